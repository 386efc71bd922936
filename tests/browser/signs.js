// SPDX-License-Identifier: Apache-2.0
// The facilities phone page in a real browser: playwright-core drives Debian's chromium (a
// phone-sized, touch viewport with a granted, overridden GPS position) against a real
// `haven serve` started by tests/e2e/signs_browser.sh. A facilities user signs in, records an
// install of an assigned sign with a camera photo (the file input) and the browser's GPS fix;
// the public page /s/SERIAL then says the sign is installed. An inspection, and a public opt-in
// through its form, too. Screenshots go to $HAVEN_ARTEFACTS. Prints "ok"/"FAIL" per check and
// "N passed, N failed".
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');

const root = process.env.HAVEN_SOURCE_ROOT;
const base = process.env.HAVEN_URL;
const user = process.env.HAVEN_USER;
const password = process.env.HAVEN_PASSWORD;
const serial = process.env.HAVEN_SERIAL;
const photo = process.env.HAVEN_PHOTO;
const lat = Number(process.env.HAVEN_LAT);
const lon = Number(process.env.HAVEN_LON);
const artefacts = process.env.HAVEN_ARTEFACTS;
const chromiumPath = process.env.HAVEN_CHROMIUM || '/usr/bin/chromium';

let nPass = 0;
let nFail = 0;
function check(what, cond, detail) {
	if (cond) {
		nPass++;
		console.log('ok   - ' + what);
	} else {
		nFail++;
		console.log('FAIL - ' + what + (detail ? ': ' + detail : ''));
	}
}

async function main() {
	const { chromium } = require(path.join(root, 'node_modules', 'playwright-core'));
	fs.mkdirSync(artefacts, { recursive: true });
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'haven-signs-browser-'));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: chromiumPath,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
			'--disable-background-networking', '--disable-component-update', '--disable-sync'],
		viewport: { width: 390, height: 844 },
		isMobile: true,
		hasTouch: true,
	});
	try {
		await ctx.grantPermissions(['geolocation'], { origin: base });
		await ctx.setGeolocation({ latitude: lat, longitude: lon, accuracy: 5 });
		const page = ctx.pages()[0] || (await ctx.newPage());

		await page.goto(base + '/facilities/signs');
		await page.waitForSelector('#login-form', { state: 'visible', timeout: 10000 });
		check('signed out: the sign-in form shows', await page.isVisible('#login-form'));
		await page.fill('#name', user);
		await page.fill('#password', password);
		await page.click('#login-form button');
		await page.waitForSelector('#install-form', { state: 'visible', timeout: 10000 });
		check('signed in', (await page.textContent('#who')).includes(user));
		await page.waitForFunction(() => document.querySelectorAll('#runs tr').length > 0,
			null, { timeout: 10000 });
		check('the print runs are listed', (await page.$$('#runs tr')).length >= 1);
		check('the coverage table is filled', (await page.$$('#coverage tr')).length >= 1);
		const capture = await page.getAttribute('#photo', 'capture');
		check('the photo input asks for the camera', capture === 'environment');

		await page.fill('#serial', serial.toLowerCase());
		await page.fill('#installer', 'Dana Field');
		await page.setInputFiles('#photo', photo);
		await page.click('#gps');
		await page.waitForFunction(() => /\d+\.\d+, -?\d+\.\d+/.test(
			document.getElementById('fix').textContent), null, { timeout: 15000 });
		const fix = await page.textContent('#fix');
		check('the GPS fix is the browser\'s', fix.includes(lat.toFixed(6)) &&
			fix.includes(lon.toFixed(6)), fix);
		await page.screenshot({ path: path.join(artefacts, 'signs-install-form.png'), fullPage: true });
		await page.click('#install-form button[type=submit]');
		await page.waitForFunction(() => !/^(sending\.\.\.)?$/.test(
			document.getElementById('install-msg').textContent), null, { timeout: 15000 });
		const msg = await page.textContent('#install-msg');
		check('the install is recorded', msg.includes(serial + ' recorded as installed'), msg);
		await page.screenshot({ path: path.join(artefacts, 'signs-install-done.png'), fullPage: true });

		// The same serial again: a clear refusal on the page.
		await page.evaluate(() => { document.getElementById('install-msg').textContent = ''; });
		await page.click('#install-form button[type=submit]');
		await page.waitForFunction(() => /cannot|HTTP/.test(
			document.getElementById('install-msg').textContent), null, { timeout: 15000 });
		check('a second install is refused, naming the sign',
			(await page.textContent('#install-msg')).includes(serial));

		await page.fill('#iserial', serial);
		await page.selectOption('#outcome', 'ok');
		await page.fill('#note', 'checked on the way past');
		await page.click('#inspect-form button[type=submit]');
		await page.waitForFunction(() => document.getElementById('inspect-msg').textContent !== '',
			null, { timeout: 15000 });
		check('an inspection is recorded', (await page.textContent('#inspect-msg'))
			.includes(serial + ' is now installed'));

		// The public, signed out: the verification page and the opt-in form.
		await ctx.clearCookies();
		const pub = await ctx.newPage();
		await pub.goto(base + '/s/' + serial);
		const state = await pub.textContent('#state');
		const today = new Date().toISOString().slice(0, 10);
		check('/s/SERIAL says installed since today', state.includes('installed since ' + today),
			state);
		check('/s/SERIAL says genuine', (await pub.textContent('#status')).includes('genuine'));
		check('/s/SERIAL does not name the installer',
			!(await pub.content()).includes('Dana Field'));
		await pub.screenshot({ path: path.join(artefacts, 'signs-verify.png'), fullPage: true });

		// A private owner opts in through the public form.
		await pub.goto(base + '/opt-in');
		await pub.fill('#organisation', 'Corner Clinic');
		await pub.selectOption('#kind', 'clinic');
		await pub.fill('#address', '77 W Maple St');
		await pub.fill('#contact', 'desk@clinic.example');
		await pub.check('#consent');
		await pub.click('form button[type=submit]');
		await pub.waitForSelector('#done', { timeout: 10000 });
		check('the opt-in form is accepted', (await pub.textContent('#done')).includes('request'));
		await pub.screenshot({ path: path.join(artefacts, 'signs-optin.png'), fullPage: true });
	} catch (e) {
		check('browser session', false, e && e.stack ? e.stack : String(e));
	} finally {
		await ctx.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	console.log(nPass + ' passed, ' + nFail + ' failed');
	process.exit(nFail === 0 ? 0 : 1);
}

main();
