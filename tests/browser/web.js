// SPDX-License-Identifier: Apache-2.0
// The web pages in a real browser: playwright-core drives Debian's chromium against a real
// `haven serve` (started by tests/e2e/browser.sh). An admin signs in, imports a GeoJSON file
// through the upload page, creates an API token (shown once), a form posted without its CSRF
// token is refused; then the public map (signed out) finds the imported lot by its address and
// by a click on the map, says it is a zone, and its zone layer holds it. Screenshots go to
// $HAVEN_ARTEFACTS. Prints one "ok"/"FAIL" line per check and "N passed, N failed".
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const root = process.env.HAVEN_SOURCE_ROOT;
const base = process.env.HAVEN_URL;
const adminName = process.env.HAVEN_ADMIN;
const adminPassword = process.env.HAVEN_ADMIN_PASSWORD;
const artefacts = process.env.HAVEN_ARTEFACTS;
const work = process.env.HAVEN_WORK;
const chromiumPath = process.env.HAVEN_CHROMIUM || '/usr/bin/chromium';

let nPass = 0;
let nFail = 0;
function ok(what) {
	nPass++;
	console.log('ok   - ' + what);
}
function fail(what, detail) {
	nFail++;
	console.log('FAIL - ' + what + (detail ? ': ' + detail : ''));
}
function check(what, cond, detail) {
	if (cond) ok(what);
	else fail(what, detail);
}

// Polls fn (async, returning a truthy value when done) every 250 ms until timeoutMs.
async function poll(fn, timeoutMs) {
	const end = Date.now() + timeoutMs;
	let last;
	for (;;) {
		last = await fn();
		if (last || Date.now() > end) return last;
		await new Promise((r) => setTimeout(r, 250));
	}
}

// A small property file made here: a lot (a zone under the test's scope rule) and an office
// (not a zone), each a ~40 m square near 41.79 N, 87.65 W.
function square(lon, lat) {
	const d = 0.0002;
	return {
		type: 'Polygon',
		coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d],
			[lon - d, lat + d], [lon - d, lat - d]]],
	};
}
const LOT = { id: 'L-1', name: 'Haven Test Lot', address: '4821 South Wabash Avenue',
	lon: -87.6245, lat: 41.8065 };
const OFFICE = { id: 'O-1', name: 'Haven Test Office', address: '4900 South Wabash Avenue',
	lon: -87.6238, lat: 41.8052 };

function writeGeoJSON(file) {
	const features = [[LOT, 'lot'], [OFFICE, 'office']].map(([p, kind]) => ({
		type: 'Feature',
		properties: { id: p.id, name: p.name, address: p.address, status: 'Owned by City',
			haven_kind: kind },
		geometry: square(p.lon, p.lat),
	}));
	fs.writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features }));
}

async function shot(page, name) {
	const file = path.join(artefacts, name + '.png');
	await page.screenshot({ path: file, fullPage: true });
	console.log('# screenshot ' + file);
}

async function signIn(page) {
	await page.goto(base + '/properties');
	check('a signed-out visit to /properties lands on the sign-in form',
		page.url().startsWith(base + '/login'), page.url());
	await page.getByLabel('Name').fill(adminName);
	await page.getByLabel('Password').fill('wrong password');
	await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: 'Sign in' }).click()]);
	check('a wrong password is refused on the page',
		(await page.locator('.msg.error').textContent()).includes('wrong'));
	await page.getByLabel('Name').fill(adminName);
	await page.getByLabel('Password').fill(adminPassword);
	await shot(page, '1-login');
	await Promise.all([page.waitForURL(base + '/properties'),
		page.getByRole('button', { name: 'Sign in' }).click()]);
	ok('signed in, sent on to /properties');
	const cookies = await page.context().cookies();
	const c = cookies.find((x) => x.name === 'haven_session');
	check('the session cookie is HttpOnly and SameSite=Strict',
		c && c.httpOnly && c.sameSite === 'Strict', JSON.stringify(c));
}

async function importFile(page, file) {
	await page.goto(base + '/imports');
	const csrf = await page.locator('#import-form input[name=csrf_token]').getAttribute('value');
	check('the upload form carries a CSRF token', csrf && csrf.length === 64, csrf);
	await page.getByLabel(/^File/).setInputFiles(file);
	await page.getByLabel(/^Source name/).fill('browser-test');
	const [resp] = await Promise.all([page.waitForResponse((r) => r.url() === base + '/imports' &&
		r.request().method() === 'POST'), page.getByRole('button', { name: 'Import' }).click()]);
	await page.waitForLoadState();
	check('the import answers 201', resp.status() === 201, String(resp.status()));
	const report = await page.locator('#report').innerText();
	check('the report is rendered: imported', /Imported/.test(report), report);
	check('the report counts 2 read and 2 added', /read\s+2/.test(report) && /added\s+2/.test(report),
		report);
	await shot(page, '2-import-report');
	await page.goto(base + '/properties?q=' + encodeURIComponent(LOT.name));
	const row = page.locator('tbody tr', { hasText: LOT.name });
	check('the lot is found by the property search', (await row.count()) === 1);
	await row.getByRole('link').click();
	await page.waitForLoadState();
	const body = await page.locator('main').innerText();
	check('the property page shows the lot, its zone and its history',
		body.includes(LOT.address) && body.includes('order') && /History/.test(body), body);
}

async function tokens(page) {
	await page.goto(base + '/admin/tokens');
	await page.getByLabel(/^Name/).fill('browser-gis');
	await page.getByLabel('Role').selectOption('auditor');
	await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: 'Create token' }).click()]);
	const secret = (await page.locator('#secret').textContent()) || '';
	check('a new token is shown once (64 hex digits)', /^[0-9a-f]{64}$/.test(secret), secret);
	const me = await fetch(base + '/api/v1/me', { headers: { Authorization: 'Bearer ' + secret } });
	check('the token works as an auditor', me.status === 200 &&
		(await me.json()).role === 'auditor');
	await page.goto(base + '/admin/tokens');
	check('the token is not shown again', (await page.content()).indexOf(secret) < 0);
}

// A form posted without its csrf_token field, from the signed-in page itself: refused, and
// nothing created.
async function csrfless(page) {
	await page.goto(base + '/admin/users');
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url() === base + '/admin/users' &&
			r.request().method() === 'POST'),
		page.evaluate(() => {
			const f = document.createElement('form');
			f.method = 'post';
			f.action = '/admin/users';
			for (const [k, v] of [['name', 'mallory'], ['role', 'admin']]) {
				const i = document.createElement('input');
				i.name = k;
				i.value = v;
				f.appendChild(i);
			}
			document.body.appendChild(f);
			f.submit();
		}),
	]);
	await page.waitForLoadState();
	check('a form without csrf_token is refused with 403', resp.status() === 403,
		String(resp.status()));
	check('the refusal names the CSRF token',
		(await page.locator('main').innerText()).includes('csrf_token'));
	await page.goto(base + '/admin/users');
	check('no user was added by the refused form',
		!(await page.locator('tbody').innerText()).includes('mallory'));
}

async function signOut(page) {
	await Promise.all([page.waitForURL(base + '/'), page.getByRole('button', { name: /^Sign out/ }).click()]);
	const cookies = await page.context().cookies();
	check('signed out: the session cookie is gone', !cookies.find((x) => x.name === 'haven_session'));
	const r = await page.request.get(base + '/properties', { maxRedirects: 0 });
	check('staff pages are closed again (303 to /login)', r.status() === 303 &&
		(r.headers().location || '').startsWith('/login'), String(r.status()));
}

async function answerText(page) {
	return (await page.locator('#answer').innerText()).trim();
}

async function publicMap(page) {
	// The zones come from the OGC snapshot, which (like the lookup's) refreshes a couple of
	// seconds after the import: load the map until it has them.
	let st;
	await poll(async () => {
		await page.goto(base + '/');
		await page.waitForFunction(() => window.havenMap && window.havenMap.ready, null,
			{ timeout: 20000 });
		st = await page.evaluate(() => ({ error: window.havenMap.error,
			zones: window.havenMap.zones,
			layers: window.havenMap.layer ? window.havenMap.layer.getLayers().length : -1 }));
		return st.error || st.zones.some((z) => z.name === LOT.name);
	}, 20000);
	check('the map loaded its zones without error', !st.error, st.error);
	check('the map\'s zone layer holds the imported lot',
		st.zones.some((z) => z.name === LOT.name) && st.layers >= 1, JSON.stringify(st));
	check('the office (not in scope) is not drawn as a zone',
		!st.zones.some((z) => z.name === OFFICE.name), JSON.stringify(st.zones));
	const layerNames = await page.evaluate(() => window.havenMap.layer.getLayers()
		.map((l) => l.feature && l.feature.properties && l.feature.properties.name));
	check('a Leaflet layer is the lot\'s feature', layerNames.includes(LOT.name), layerNames.join(','));

	// The lookup snapshot refreshes a couple of seconds after the import: ask until it knows.
	const input = page.getByLabel('Address');
	const found = await poll(async () => {
		await input.fill(LOT.address);
		await input.press('Enter');
		await page.waitForFunction(() => !/Checking/.test(document.getElementById('answer').innerText));
		const t = await answerText(page);
		return t.includes(LOT.name) ? t : null;
	}, 20000);
	check('the public map finds the lot by its address', !!found, await answerText(page));
	check('and says it is a zone', found && found.includes('Yes: this is a zone') &&
		found.includes('in zone: order'), found);
	check('only public fields are shown', found && !found.includes('Owned by City') &&
		!found.includes(LOT.id), found);
	await shot(page, '3-public-answer-address');

	await input.fill(OFFICE.address);
	await input.press('Enter');
	await page.waitForFunction(() => !/Checking/.test(document.getElementById('answer').innerText));
	const office = await answerText(page);
	check('the office is found and is not a zone', office.includes(OFFICE.name) &&
		office.includes('No: not a zone'), office);

	// A click on the lot itself: the point lookup.
	const pt = await page.evaluate(([lat, lon]) => {
		const m = window.havenMap.map;
		m.setView([lat, lon], 17, { animate: false });
		const p = m.latLngToContainerPoint([lat, lon]);
		return { x: p.x, y: p.y };
	}, [LOT.lat, LOT.lon]);
	const box = await page.locator('#map').boundingBox();
	await page.mouse.click(box.x + pt.x, box.y + pt.y);
	const clicked = await poll(async () => {
		const t = await answerText(page);
		return t.includes(LOT.name) && !t.includes('Checking') ? t : null;
	}, 10000);
	check('a click on the lot answers: a zone', clicked && clicked.includes('Yes: this is a zone'),
		await answerText(page));
	await shot(page, '4-public-answer-click');

	// Without JavaScript's help: the same answer rendered by the server.
	const r = await page.request.get(base + '/?address=' + encodeURIComponent(LOT.address));
	const html = await r.text();
	check('GET /?address= answers in HTML too', r.status() === 200 &&
		html.includes('Yes: this is a zone') && html.includes(LOT.name));
	const hostile = await page.request.get(base + '/?address=' + encodeURIComponent('<script>x</script>'));
	check('an address is HTML-escaped in the page', !(await hostile.text()).includes('<script>x</script>'));
}

async function phone(browser) {
	const page = await browser.newPage();
	await page.setViewportSize({ width: 390, height: 844 });
	await page.goto(base + '/');
	await page.waitForFunction(() => window.havenMap && window.havenMap.ready, null, { timeout: 20000 });
	const m = await page.evaluate(() => {
		const b = document.querySelector('#lookup-form button').getBoundingClientRect();
		return { overflow: document.documentElement.scrollWidth - window.innerWidth,
			buttonHeight: b.height };
	});
	check('on a phone the page does not scroll sideways', m.overflow <= 0, JSON.stringify(m));
	check('on a phone the button is a large target (>= 44 px)', m.buttonHeight >= 44,
		JSON.stringify(m));
	// Keyboard only: Tab reaches the address field and Enter asks.
	await page.keyboard.press('Tab'); // skip link
	await page.keyboard.press('Tab'); // Zone map
	await page.keyboard.press('Tab'); // Staff sign-in
	await page.keyboard.press('Tab'); // the address field
	const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
	check('the address field is reached with the keyboard', focused === 'address', focused);
	await page.keyboard.type(LOT.address);
	await page.keyboard.press('Enter');
	const t = await poll(async () => {
		const s = await answerText(page);
		return s.includes(LOT.name) ? s : null;
	}, 10000);
	check('a keyboard-only lookup answers', !!t);
	// The map from the keyboard: centred on the office, Enter checks the place at its centre.
	await page.evaluate(([lat, lon]) => window.havenMap.map.setView([lat, lon], 17,
		{ animate: false }), [OFFICE.lat, OFFICE.lon]);
	await page.focus('#map');
	await page.keyboard.press('Enter');
	const c = await poll(async () => {
		const s = await answerText(page);
		return s.includes(OFFICE.name) ? s : null;
	}, 10000);
	check('Enter on the focused map checks its centre', c && c.includes('No: not a zone'),
		await answerText(page));
	await shot(page, '5-phone');
	await page.close();
}

async function main() {
	const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));
	const profile = fs.mkdtempSync(path.join(work || os.tmpdir(), 'chromium-'));
	const file = path.join(work || os.tmpdir(), 'browser-lots.geojson');
	fs.mkdirSync(artefacts, { recursive: true });
	writeGeoJSON(file);
	const browser = await chromium.launchPersistentContext(profile, {
		executablePath: chromiumPath,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: { width: 1200, height: 900 },
	});
	browser.setDefaultTimeout(20000);
	const page = browser.pages()[0] || (await browser.newPage());
	const consoleErrors = [];
	page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
	page.on('pageerror', (e) => consoleErrors.push(String(e)));
	try {
		await signIn(page);
		await importFile(page, file);
		await tokens(page);
		await csrfless(page);
		await signOut(page);
		consoleErrors.length = 0;
		await publicMap(page);
		check('no script errors on the public map', consoleErrors.length === 0,
			consoleErrors.join(' | '));
		await phone(browser);
	} catch (e) {
		fail('the browser run', e && e.stack ? e.stack : String(e));
		await shot(page, 'error').catch(() => {});
	} finally {
		await browser.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	console.log(nPass + ' passed, ' + nFail + ' failed');
	process.exit(nFail ? 1 : 0);
}

main();
