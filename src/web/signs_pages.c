/* SPDX-License-Identifier: Apache-2.0 */
/* Server-rendered pages of the signs module: the public opt-in form (GET/POST /opt-in) and the
 * phone-first facilities page (/facilities/signs: print runs, record an install with a camera
 * photo and the browser's GPS fix, inspections, coverage). Plain HTML with small helpers here;
 * the web framework (src/web) takes these over when it lands. */
#include <stdio.h>
#include <string.h>

#include "api/api_internal.h"
#include "core/html.h"
#include "core/banned.h"
#include "signs/signs.h"

static struct hv_buf *page(struct hv_resp *resp, int status, const char *title)
{
	struct hv_buf *b = &resp->body;

	hv_resp_json(resp, status);
	hv_buf_reset(b);
	resp->content_type = "text/html; charset=utf-8";
	hv_resp_header(resp, "Content-Security-Policy",
		       "default-src 'self'; img-src 'self' data: blob:; style-src 'unsafe-inline'; "
		       "script-src 'unsafe-inline'");
	hv_buf_adds(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		       "<title>");
	hv_html_escape(b, title);
	hv_buf_adds(
		b,
		"</title><style>body{font:17px/1.5 system-ui,sans-serif;margin:0 auto;"
		"max-width:36rem;padding:0 .8rem}label{display:block;margin:.6rem 0 .2rem;"
		"font-weight:600}input,select,textarea,button{font:inherit;width:100%;"
		"box-sizing:border-box;padding:.55rem}button{margin-top:.8rem;background:#14532d;"
		"color:#fff;border:0;border-radius:.3rem}.err{color:#9b1c1c}.ok{color:#14532d}"
		"table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;"
		"padding:.25rem;text-align:left}section{margin:1.2rem 0}"
		"input[type=checkbox]{width:auto}</style></head><body>");
	return b;
}

/* ---- the public opt-in form ---- */

static void optin_form(struct hv_buf *b, const struct hv_req *req, const char *error)
{
	hv_buf_adds(b, "<h1>Free signs for your property</h1>"
		       "<p>Businesses, places of worship, clinics and nonprofits may ask for free "
		       "signs stating that their property may not be used for civil immigration "
		       "enforcement. Signs are handed out at your ward office.</p>");
	if (error) {
		hv_buf_adds(b, "<p class=\"err\" id=\"error\">");
		hv_html_escape(b, error);
		hv_buf_adds(b, "</p>");
	}
	hv_buf_adds(b, "<form method=\"post\" action=\"/opt-in\">");
	/* A signed-in visitor's cookie goes with the post: the session's CSRF token must too. */
	if (req->via_session && req->session_cookie) {
		char csrf[HV_TOKEN_HEX_LEN];

		hv_api_csrf_of(req->session_cookie, csrf);
		hv_buf_addf(b, "<input type=\"hidden\" name=\"csrf_token\" value=\"%s\">", csrf);
	}
	hv_buf_adds(b,
		    "<label for=\"organisation\">Organisation</label>"
		    "<input id=\"organisation\" name=\"organisation\" required maxlength=\"250\">"
		    "<label for=\"kind\">Kind</label><select id=\"kind\" name=\"kind\">"
		    "<option value=\"business\">Business</option>"
		    "<option value=\"church\">Church or place of worship</option>"
		    "<option value=\"clinic\">Clinic</option>"
		    "<option value=\"nonprofit\">Nonprofit</option>"
		    "<option value=\"other\">Other</option></select>"
		    "<label for=\"address\">Street address</label>"
		    "<input id=\"address\" name=\"address\" required maxlength=\"250\">"
		    "<label for=\"contact\">How we reach you (phone or email)</label>"
		    "<input id=\"contact\" name=\"contact\" required maxlength=\"250\">"
		    "<p><input type=\"checkbox\" id=\"consent\" name=\"consent\" required> "
		    "<label for=\"consent\" style=\"display:inline\">I may decide for this "
		    "property, I want the signs, and the city may contact me about them.</label>"
		    "</p><p><small>We use your contact only to arrange the signs; only city "
		    "facilities staff can see it and every look at it is recorded.</small></p>"
		    "<button type=\"submit\">Ask for signs</button></form>");
}

static void optin_get(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_buf *b = page(resp, 200, "Free signs for your property");

	optin_form(b, req, NULL);
	hv_buf_adds(b, "</body></html>\n");
}

static void optin_post(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_signs_optin_form f;
	struct hv_store *s;
	struct hv_err err;
	struct hv_buf *b;
	int64_t id;
	int rc;

	hv_err_clear(&err);
	rc = hv_signs_optin_parse(req->arena, req->body ? req->body : "", req->body_len, &f, &err);
	if (!rc && (rc = hv_req_store(req, &s, &err)) == HV_OK)
		rc = hv_signs_optin_submit(s, &f, req->client_addr, &id, &err);
	if (rc == HV_EINVAL || rc == HV_ELIMIT) {
		bool limited = rc == HV_ELIMIT && strstr(err.msg, "too many");

		b = page(resp, limited ? 429 : 400, "Free signs for your property");
		if (limited)
			hv_resp_header(resp, "Retry-After", "3600");
		optin_form(b, req, err.msg);
		hv_buf_adds(b, "</body></html>\n");
		return;
	}
	if (rc)
		return hv_api_fail(resp, rc, &err);
	b = page(resp, 201, "Thank you");
	hv_buf_addf(b,
		    "<h1>Thank you</h1><p class=\"ok\" id=\"done\">Your request (number %lld) "
		    "is in. City staff will review it and tell you when your signs are ready "
		    "at your ward office.</p></body></html>\n",
		    (long long)id);
}

/* ---- the facilities page ---- */

static const char facilities_js[] =
	"<script>\n"
	"const $=id=>document.getElementById(id);\n"
	"let csrf=sessionStorage.getItem('csrf')||'';\n"
	"async function api(method,path,body){\n"
	" const h={'Accept':'application/json'};\n"
	" if(body!==undefined){h['Content-Type']='application/json';h['X-CSRF-Token']=csrf;}\n"
	" const r=await fetch(path,{method,headers:h,credentials:'same-origin',\n"
	"  body:body===undefined?undefined:JSON.stringify(body)});\n"
	" const j=await r.json().catch(()=>({}));\n"
	" if(!r.ok) throw new Error(j.detail||j.title||('HTTP '+r.status));\n"
	" return j;}\n"
	"function td(tr,t){const "
	"c=document.createElement('td');c.textContent=t;tr.appendChild(c);}\n"
	"async function refresh(){\n"
	" try{const me=await api('GET','/api/v1/me');\n"
	/* Signed in elsewhere, this tab has no CSRF token to send: sign in here again. */
	"  if(!csrf)throw new Error('sign in on this page');\n"
	"  $('who').textContent=me.name+' ('+me.role+')';\n"
	"  $('login').hidden=true;$('work').hidden=false;}catch(e){$('login').hidden=false;\n"
	"  $('work').hidden=true;return;}\n"
	" const runs=await api('GET','/api/v1/signs/runs');const rt=$('runs');rt.textContent='';\n"
	" for(const r of runs.runs){const tr=document.createElement('tr');td(tr,r.id);\n"
	"  td(tr,r.created.slice(0,10));td(tr,r.template+' '+r.size+' '+r.langs);td(tr,r.signs);\n"
	"  rt.appendChild(tr);}\n"
	" const cov=await api('GET','/api/v1/signs/coverage');const "
	"ct=$('coverage');ct.textContent='';\n"
	" const "
	"rows=[['total','all',cov.total]].concat(cov.by_department.map(r=>['department',r.value,r])"
	",\n"
	"  cov.by_ward.map(r=>['ward',r.value,r]),cov.by_kind.map(r=>['kind',r.value,r]));\n"
	" for(const [g,v,r] of rows){const tr=document.createElement('tr');td(tr,g);td(tr,v);\n"
	"  td(tr,r.in_scope);td(tr,r.signed);td(tr,r.gated);ct.appendChild(tr);}}\n"
	"$('login-form').onsubmit=async e=>{e.preventDefault();$('login-msg').textContent='';\n"
	" try{const j=await "
	"api('POST','/api/v1/login',{name:$('name').value,password:$('password').value});\n"
	"  csrf=j.csrf_token;sessionStorage.setItem('csrf',csrf);refresh();}\n"
	" catch(err){$('login-msg').textContent=err.message;}};\n"
	"let fix=null;\n"
	"$('gps').onclick=()=>{$('fix').textContent='locating...';\n"
	" navigator.geolocation.getCurrentPosition(p=>{fix=p.coords;\n"
	"  $('fix').textContent=fix.latitude.toFixed(6)+', '+fix.longitude.toFixed(6)+' "
	"(\\u00b1'+\n"
	"  Math.round(fix.accuracy)+' m)';},err=>{$('fix').textContent='no GPS fix: "
	"'+err.message;},\n"
	"  {enableHighAccuracy:true,timeout:20000,maximumAge:0});};\n"
	"function b64(file){return new Promise((ok,bad)=>{const r=new FileReader();\n"
	" r.onload=()=>ok(String(r.result).split(',')[1]||'');r.onerror=()=>bad(r.error);\n"
	" r.readAsDataURL(file);});}\n"
	"$('install-form').onsubmit=async e=>{e.preventDefault();const m=$('install-msg');\n"
	" m.className='';m.textContent='sending...';\n"
	" if(!fix){m.className='err';m.textContent='Get a GPS fix first.';return;}\n"
	" const body={installer:$('installer').value,lat:fix.latitude,lon:fix.longitude,\n"
	"  accuracy_m:fix.accuracy};\n"
	" if($('reason').value)body.reason=$('reason').value;\n"
	" const f=$('photo').files[0];if(f)body.photo_base64=await b64(f);\n"
	" try{const j=await "
	"api('POST','/api/v1/signs/'+encodeURIComponent($('serial').value.trim())+\n"
	"  '/install',body);m.className='ok';m.textContent=j.serial+' recorded as '+j.state;\n"
	"  $('check').href='/s/'+j.serial;$('check').hidden=false;refresh();}\n"
	" catch(err){m.className='err';m.textContent=err.message;}};\n"
	"$('inspect-form').onsubmit=async e=>{e.preventDefault();const m=$('inspect-msg');\n"
	" const body={outcome:$('outcome').value};if($('note').value)body.note=$('note').value;\n"
	" const f=$('iphoto').files[0];if(f)body.photo_base64=await b64(f);\n"
	" try{const j=await "
	"api('POST','/api/v1/signs/'+encodeURIComponent($('iserial').value.trim())+\n"
	"  '/inspect',body);m.className='ok';m.textContent=j.serial+' is now "
	"'+j.state;refresh();}\n"
	" catch(err){m.className='err';m.textContent=err.message;}};\n"
	"refresh();\n"
	"</script>";

static void facilities(struct hv_req *req, struct hv_resp *resp)
{
	struct hv_buf *b = page(resp, 200, "Signs - facilities");

	(void)req;
	hv_buf_adds(
		b,
		"<h1>Signs</h1>"
		"<section id=\"login\" hidden><h2>Sign in</h2><form id=\"login-form\">"
		"<label for=\"name\">Name</label><input id=\"name\" autocomplete=\"username\">"
		"<label for=\"password\">Password</label><input id=\"password\" type=\"password\" "
		"autocomplete=\"current-password\"><button>Sign in</button>"
		"<p class=\"err\" id=\"login-msg\"></p></form></section>"
		"<div id=\"work\" hidden><p>Signed in as <span id=\"who\"></span></p>"
		"<section><h2>Record an install</h2><form id=\"install-form\">"
		"<label for=\"serial\">Serial on the sign</label><input id=\"serial\" required "
		"autocapitalize=\"characters\" placeholder=\"HV-7K3M-Q9XD\">"
		"<label for=\"installer\">Installed by</label><input id=\"installer\" required>"
		"<label for=\"photo\">Photo of the sign in place</label>"
		"<input id=\"photo\" type=\"file\" accept=\"image/*\" capture=\"environment\">"
		"<button type=\"button\" id=\"gps\">Get GPS fix</button><p id=\"fix\">no fix "
		"yet</p>"
		"<label for=\"reason\">Reason (needed when more than 50 m from the property)"
		"</label><textarea id=\"reason\" rows=\"2\"></textarea>"
		"<button type=\"submit\">Record install</button><p id=\"install-msg\"></p>"
		"<p><a id=\"check\" hidden>Check the public page</a></p></form></section>"
		"<section><h2>Inspection</h2><form id=\"inspect-form\">"
		"<label for=\"iserial\">Serial</label><input id=\"iserial\" required>"
		"<label for=\"outcome\">Found</label><select id=\"outcome\">"
		"<option value=\"ok\">OK</option><option value=\"damaged\">Damaged</option>"
		"<option value=\"missing\">Missing</option><option value=\"removed\">Removed"
		"</option></select><label for=\"note\">Note</label>"
		"<textarea id=\"note\" rows=\"2\"></textarea>"
		"<label for=\"iphoto\">Photo</label><input id=\"iphoto\" type=\"file\" "
		"accept=\"image/*\" capture=\"environment\">"
		"<button type=\"submit\">Record inspection</button><p id=\"inspect-msg\"></p>"
		"</form></section>"
		"<section><h2>Print runs</h2><table><thead><tr><th>run</th><th>date</th>"
		"<th>job</th><th>signs</th></tr></thead><tbody id=\"runs\"></tbody></table>"
		"</section><section><h2>Coverage</h2><table><thead><tr><th>by</th><th>value</th>"
		"<th>in scope</th><th>signed</th><th>gated</th></tr></thead>"
		"<tbody id=\"coverage\"></tbody></table><p><a href=\"/api/v1/signs/map\">Map "
		"data (GeoJSON)</a></p></section></div>");
	hv_buf_adds(b, facilities_js);
	hv_buf_adds(b, "</body></html>\n");
}

int hv_web_signs_register(struct hv_api *api, struct hv_router *r, struct hv_err *err)
{
	const struct hv_route routes[] = {
		{.method = HV_GET,
		 .pattern = "/opt-in",
		 .roles = HV_ROLES_ANY,
		 .handler = optin_get,
		 .ctx = api,
		 .flags = HV_ROUTE_PAGE,
		 .summary = "The private opt-in form"},
		{.method = HV_POST,
		 .pattern = "/opt-in",
		 .roles = HV_ROLES_ANY,
		 .handler = optin_post,
		 .ctx = api,
		 .flags = HV_ROUTE_PAGE | HV_ROUTE_FORM,
		 .summary = "Ask for free signs for a private property"},
		/* The page holds no data: it signs in itself and reads the API with the session. */
		{.method = HV_GET,
		 .pattern = "/facilities/signs",
		 .roles = HV_ROLES_ANY,
		 .handler = facilities,
		 .ctx = api,
		 .flags = HV_ROUTE_PAGE,
		 .summary = "Facilities: print runs, installs from a phone, inspections, coverage"},
	};

	return hv_router_add_all(r, routes, sizeof(routes) / sizeof(routes[0]), err);
}
