// SPDX-License-Identifier: Apache-2.0
// Reports, cases and packets in a real browser: playwright-core drives Debian's chromium against
// a real `haven serve` (started by tests/e2e/cases_browser.sh). A staff member on a phone-sized
// screen signs in, files a report on /report and adds a photo on the saved page (the upload goes
// by fetch() with the X-CSRF-Token header); a law user on a desktop sees the report with its
// evidence on /cases, opens a case over it and exports the case packet. The packet's path is
// written to $HAVEN_WORK/packet_path for the shell to check with haven-verify. Screenshots go to
// $HAVEN_ARTEFACTS. Prints one "ok"/"FAIL" line per check and "N passed, N failed".
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const root = process.env.HAVEN_SOURCE_ROOT;
const base = process.env.HAVEN_URL;
const staff = { name: process.env.HAVEN_STAFF, password: process.env.HAVEN_STAFF_PASSWORD };
const law = { name: process.env.HAVEN_LAW, password: process.env.HAVEN_LAW_PASSWORD };
const photo = process.env.HAVEN_PHOTO;
const artefacts = process.env.HAVEN_ARTEFACTS;
const work = process.env.HAVEN_WORK || os.tmpdir();
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

async function shot(page, name) {
	const file = path.join(artefacts, name + '.png');
	await page.screenshot({ path: file, fullPage: true });
	console.log('# screenshot ' + file);
}

// Goes to want signed out, is sent to the sign-in form, signs in and comes back to want.
async function signInVia(page, want, who) {
	await page.goto(base + want);
	check('signed out, ' + want + ' sends ' + who.name + ' to the sign-in form',
		page.url().startsWith(base + '/login'), page.url());
	await page.getByLabel('Name').fill(who.name);
	await page.getByLabel('Password').fill(who.password);
	await Promise.all([page.waitForURL(base + want),
		page.getByRole('button', { name: 'Sign in' }).click()]);
	ok(who.name + ' signed in and is back on ' + want);
}

// The staff member's part: returns the new incident's number.
async function fileReport(page) {
	await signInVia(page, '/report', staff);
	check('the report form fits the phone (no sideways scrolling)',
		await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1));
	await page.getByLabel('When (date and time, UTC)').fill('2026-11-24T10:30');
	await page.getByLabel(/^Property number/).fill('1');
	await page.getByLabel('Type', { exact: true }).selectOption('staging');
	await page.getByLabel('What you saw').fill('Two vans parked in the lot, officers waiting.');
	await page.getByLabel(/^Agencies/).fill('ICE');
	await shot(page, 'cases-1-report-form');
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url() === base + '/report' && r.request().method() === 'POST'),
		page.getByRole('button', { name: 'Save report' }).click()]);
	await page.waitForLoadState();
	check('the report is saved (201)', resp.status() === 201, String(resp.status()));
	const saved = (await page.locator('#saved').innerText()).trim();
	const m = /incident (\d+)/.exec(saved);
	check('the saved page names the incident', !!m, saved);
	const id = m ? Number(m[1]) : 0;

	await page.locator('#file').setInputFiles(photo);
	const [up] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith('/api/v1/incidents/' + id + '/evidence')),
		page.getByRole('button', { name: 'Upload' }).click()]);
	check('the photo upload answers 201', up.status() === 201, String(up.status()));
	check('the upload sent the X-CSRF-Token header, not a token in the URL',
		!!up.request().headers()['x-csrf-token'] && !/csrf/.test(up.url()), up.url());
	const st = page.locator('#upload-status');
	await st.filter({ hasText: /Uploaded|Not uploaded/ }).waitFor();
	const status = (await st.innerText()).trim();
	check('the page says the photo is evidence, with its SHA-256',
		/^Uploaded as evidence \d+ \(SHA-256 [0-9a-f]{64}\)\.$/.test(status), status);
	await shot(page, 'cases-2-report-saved-photo');

	// A staff member does not see cases.
	const r = await page.request.get(base + '/cases', { maxRedirects: 0 });
	check('staff may not open /cases (403)', r.status() === 403, String(r.status()));
	return id;
}

// The law user's part: sees the report, opens a case, exports the packet; returns its path.
async function caseAndPacket(page, id) {
	await signInVia(page, '/cases', law);
	const latest = page.locator('h2:has-text("Latest reports") + table');
	const row = latest.locator('tr', { has: page.locator('td', { hasText: new RegExp('^' + id + '$') }) });
	check('the dashboard lists the new report', (await row.count()) >= 1);
	const cells = row.first().locator('td');
	check('with its type and its one photo',
		(await cells.nth(1).innerText()).trim() === 'staging' &&
		(await cells.nth(4).innerText()).trim() === '1',
		await row.first().innerText());
	await page.getByLabel('Title', { exact: true }).fill('Lot 1 staging (browser test)');
	await page.getByLabel(/^Incident numbers/).fill(String(id));
	await shot(page, 'cases-3-dashboard');
	await Promise.all([page.waitForLoadState(), page.getByRole('button', { name: 'Open case' }).click()]);
	const h1 = (await page.locator('h1').innerText()).trim();
	check('the case is opened', /^Case \d+$/.test(h1) &&
		(await page.locator('#note').innerText()).includes('Case opened'), h1);
	const [resp] = await Promise.all([
		page.waitForResponse((r) => /\/cases\/\d+\/packet$/.test(r.url())),
		page.getByRole('button', { name: 'Export case packet' }).click()]);
	await page.waitForLoadState();
	check('the packet is exported (201)', resp.status() === 201, String(resp.status()));
	const note = (await page.locator('#note').innerText()).trim();
	const m = /^Packet written to (\S+) on the server/.exec(note);
	check('the page says where the packet is', !!m, note);
	await shot(page, 'cases-4-packet');
	return m ? m[1] : '';
}

async function main() {
	const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));
	const profiles = [fs.mkdtempSync(path.join(work, 'chromium-staff-')),
		fs.mkdtempSync(path.join(work, 'chromium-law-'))];
	const opts = {
		executablePath: chromiumPath,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
	};
	fs.mkdirSync(artefacts, { recursive: true });
	// Two browsers, two people: the staff member's phone and the law department's desktop.
	const phone = await chromium.launchPersistentContext(profiles[0], Object.assign({
		viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
		deviceScaleFactor: 2 }, opts));
	const desk = await chromium.launchPersistentContext(profiles[1], Object.assign({
		viewport: { width: 1200, height: 900 } }, opts));
	const errors = [];
	const pages = [];
	for (const ctx of [phone, desk]) {
		ctx.setDefaultTimeout(20000);
		const p = ctx.pages()[0] || (await ctx.newPage());
		// A failed load is reported below with its URL (the browser's own favicon.ico
		// probe is not the pages' doing).
		p.on('console', (msg) => {
			if (msg.type() === 'error' && !/^Failed to load resource/.test(msg.text()))
				errors.push(msg.text());
		});
		p.on('response', (r) => {
			if (r.status() >= 400 && !r.url().endsWith('/favicon.ico'))
				errors.push(r.status() + ' ' + r.url());
		});
		p.on('pageerror', (e) => errors.push(String(e)));
		pages.push(p);
	}
	try {
		const id = await fileReport(pages[0]);
		const packet = await caseAndPacket(pages[1], id);
		fs.writeFileSync(path.join(work, 'packet_path'), packet + '\n');
		check('no script errors on the pages', errors.length === 0, errors.join(' | '));
	} catch (e) {
		fail('the browser run', e && e.stack ? e.stack : String(e));
		await shot(pages[0], 'cases-error-phone').catch(() => {});
		await shot(pages[1], 'cases-error-desk').catch(() => {});
	} finally {
		await phone.close();
		await desk.close();
		for (const p of profiles) fs.rmSync(p, { recursive: true, force: true });
	}
	console.log(nPass + ' passed, ' + nFail + ' failed');
	process.exit(nFail ? 1 : 0);
}

main();
