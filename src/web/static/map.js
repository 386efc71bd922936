// SPDX-License-Identifier: Apache-2.0
// The public zone map: the zones from the OGC API (every page, following rel=next), drawn over
// the configured base map or over the extent of the city's properties, and "is this a zone?"
// by address (the lookup API's address query) or by a click or tap (a point lookup). Shows only
// public fields: kind, name, address and zone status. Text goes in with textContent, never HTML.
(function () {
	'use strict';

	var form = document.getElementById('lookup-form');
	var input = document.getElementById('address');
	var answer = document.getElementById('answer');
	var el = document.getElementById('map');
	var state = { ready: false, zones: [], error: null };
	window.havenMap = state;

	function node(tag, cls, text) {
		var n = document.createElement(tag);
		if (cls) n.className = cls;
		if (text !== undefined && text !== null) n.textContent = text;
		return n;
	}

	function zoneStatus(m) {
		if (!m.zones || !m.zones.length) return 'not in a zone';
		return 'in zone: ' + m.zones.join(', ');
	}

	function showAnswer(query, matches) {
		answer.textContent = '';
		if (!matches.length) {
			answer.appendChild(node('h2', null, 'No city property found'));
			answer.appendChild(node('p', null, 'No property in the inventory matches ' + query + '.'));
			return;
		}
		matches.slice(0, 5).forEach(function (m) {
			var inZone = m.zones && m.zones.length > 0;
			var box = node('div', 'hit ' + (inZone ? 'zone' : 'nozone'));
			var dl = node('dl');
			box.appendChild(node('h2', null, inZone ? 'Yes: this is a zone' : 'No: not a zone'));
			[['Name', m.name], ['Kind', m.kind], ['Address', m.address],
			 ['Zone status', zoneStatus(m)]].forEach(function (row) {
				dl.appendChild(node('dt', null, row[0]));
				dl.appendChild(node('dd', null, row[1] || ''));
			});
			box.appendChild(dl);
			answer.appendChild(box);
		});
	}

	function showError(text) {
		answer.textContent = '';
		answer.appendChild(node('p', 'msg error', text));
	}

	var map = null, marker = null, zoneLayer = null;

	function lookup(params, label, latlng) {
		answer.textContent = '';
		answer.appendChild(node('p', 'muted', 'Checking…'));
		return fetch('/api/v1/lookup?' + params, { headers: { Accept: 'application/json' } })
			.then(function (r) {
				return r.json().then(function (j) { return { ok: r.ok, j: j }; });
			})
			.then(function (res) {
				if (!res.ok) {
					showError(res.j.detail || 'The check failed.');
					return;
				}
				var matches = res.j.matches || [];
				showAnswer(label, matches);
				if (!map) return;
				var first = matches[0];
				var at = latlng || (first && typeof first.lat === 'number' ?
					L.latLng(first.lat, first.lon) : null);
				if (at) {
					if (marker) marker.remove();
					marker = L.circleMarker(at, { radius: 8, color: '#0550ae', weight: 3 })
						.addTo(map);
					if (!latlng) map.setView(at, Math.max(map.getZoom(), 16));
				}
			})
			.catch(function () { showError('The check failed: no answer from haven.'); });
	}

	form.addEventListener('submit', function (ev) {
		var q = input.value.trim();
		ev.preventDefault();
		if (!q) return;
		lookup('address=' + encodeURIComponent(q), '\u201c' + q + '\u201d');
	});

	if (typeof L === 'undefined' || !el) {
		if (el) el.appendChild(node('p', 'msg', 'The map could not load; the address check works.'));
		state.ready = true;
		return;
	}

	map = L.map(el, { keyboard: true, zoomControl: true, tap: true });
	map.setView([0, 0], 2);
	if (el.dataset.tileUrl) {
		L.tileLayer(el.dataset.tileUrl, {
			maxZoom: 19,
			attribution: el.dataset.attribution || ''
		}).addTo(map);
	}
	zoneLayer = L.geoJSON(null, {
		style: function () {
			return { color: '#0b6e4f', weight: 2, fillColor: '#0b6e4f', fillOpacity: 0.45 };
		},
		pointToLayer: function (f, ll) {
			return L.circleMarker(ll, { radius: 7, color: '#0b6e4f', fillOpacity: 0.7 });
		},
		onEachFeature: function (f, layer) {
			var p = f.properties || {};
			layer.bindTooltip((p.name || p.address || 'zone') + ' (' + (p.kind || '') + ')');
		}
	}).addTo(map);
	state.map = map;
	state.layer = zoneLayer;

	function lookupAt(ll) {
		lookup('lon=' + ll.lng.toFixed(7) + '&lat=' + ll.lat.toFixed(7),
			'the point ' + ll.lat.toFixed(5) + ', ' + ll.lng.toFixed(5), ll);
	}
	map.on('click', function (e) { lookupAt(e.latlng); });
	// Keyboard: arrows and +/- move the map (Leaflet); Enter checks the place at its centre.
	el.addEventListener('keydown', function (e) {
		if (e.key === 'Enter' && e.target === el) {
			e.preventDefault();
			lookupAt(map.getCenter());
		}
	});

	function getJSON(url) {
		return fetch(url, { headers: { Accept: 'application/geo+json, application/json' } })
			.then(function (r) {
				if (!r.ok) throw new Error(url + ': ' + r.status);
				return r.json();
			});
	}

	// The city outline: the extent of every property (without a base map, the only frame).
	var outline = getJSON('/ogc/collections/properties?f=json').then(function (c) {
		var bb = c.extent && c.extent.spatial && c.extent.spatial.bbox && c.extent.spatial.bbox[0];
		if (!bb || bb.length < 4) return null;
		var bounds = L.latLngBounds([bb[1], bb[0]], [bb[3], bb[2]]);
		L.rectangle(bounds, { color: '#57606a', weight: 2, dashArray: '6 6', fill: false,
			interactive: false }).addTo(map);
		map.fitBounds(bounds.pad(0.05));
		return bounds;
	});

	function loadZones(url) {
		return getJSON(url).then(function (fc) {
			(fc.features || []).forEach(function (f) {
				zoneLayer.addData(f);
				state.zones.push({ id: f.id, name: f.properties && f.properties.name,
					address: f.properties && f.properties.address });
			});
			var next = (fc.links || []).filter(function (l) { return l.rel === 'next'; })[0];
			if (next) return loadZones(next.href);
		});
	}

	Promise.all([outline, loadZones('/ogc/collections/zones/items?limit=10000&f=json')])
		.then(function () { state.ready = true; })
		.catch(function (e) {
			state.error = String(e);
			state.ready = true;
		});
})();
