// ---- Faults in force ------------------------------------------------------

var k_faults_per_node_max = 16;
var k_fault_clock_ms = 500;
var k_link_bulge_px = 22;
// How a fault on a node's links is drawn: cut (nothing passes), slow, lossy.
var k_link_styles = {
    isolate: 'cut', partition: 'cut', delay: 'slow', drop: 'lossy', duplicate: 'lossy'
};

function normalizeFaults(raw, now_ms) {
    var faults = [];
    if (!Array.isArray(raw)) { return faults; }
    raw.slice(0, k_faults_per_node_max).forEach(function (item) {
        // The kind becomes part of class names: words only.
        if (!isObject(item) || typeof item.kind !== 'string' ||
            !/^[a-z_-]{1,24}$/.test(item.kind)) {
            return;
        }
        var remaining_ms = numberOrNull(item.remaining_ms);
        var peers = [];
        if (Array.isArray(item.peers)) {
            item.peers.forEach(function (peer) {
                var id = numberOrNull(peer);
                if (id !== null) { peers.push(id); }
            });
        }
        faults.push({
            kind: item.kind,
            peers: peers,
            direction: typeof item.direction === 'string' ? item.direction : 'both',
            delay: numberOrNull(item.delay_ms),
            rate: numberOrNull(item.rate),
            description: typeof item.description === 'string' ? item.description : item.kind,
            // Counted down here from the node's own figure, which the page
            // gets again with every status.
            until_ms: remaining_ms === null ? null : now_ms + remaining_ms
        });
    });
    return faults;
}

function normalizeTiming(raw) {
    if (!isObject(raw)) { return null; }
    var timing = {
        heartbeat: numberOrNull(raw.heartbeat_ms),
        election: numberOrNull(raw.election_timeout_ms),
        step: numberOrNull(raw.step_interval_ms)
    };
    if (timing.heartbeat === null && timing.election === null && timing.step === null) {
        return null;
    }
    return timing;
}

function faultOf(node, kind) {
    for (var i = 0; i < node.faults.length; i++) {
        if (node.faults[i].kind === kind) { return node.faults[i]; }
    }
    return null;
}

function isCrashed(node) { return node.role === 'crashed' || faultOf(node, 'crash') !== null; }

function peersText(peers) { return peers.map(nodeLabel).join(','); }

// What the map and the table call a fault, before its time left.
function faultName(fault) {
    var on = fault.peers.length > 0 ? ' ' + peersText(fault.peers) : '';
    switch (fault.kind) {
    case 'crash': return 'crashed';
    case 'pause': return 'paused';
    case 'isolate': return 'isolated';
    case 'partition': return 'cut from' + on;
    case 'delay': return 'slow' + (fault.delay !== null ? ' ' + fault.delay + ' ms' : '') + on;
    case 'drop':
        return 'lossy' + (fault.rate !== null ? ' ' + Math.round(fault.rate * 100) + '%' : '') + on;
    case 'duplicate': return 'duplicating' + on;
    default: return fault.kind.replace(/[_-]/g, ' ');
    }
}

function clockedText(text, until_ms, now_ms) {
    if (until_ms === null || !isFinite(until_ms)) { return text; }
    var left_s = Math.ceil((until_ms - now_ms) / 1000);
    return text + (left_s > 0 ? ' ' + left_s + ' s' : ' ending');
}

// A label whose time left counts down (see tickFaultClocks).
function setFaultClock(element, text, until_ms) {
    element.setAttribute('data-text', text);
    if (until_ms === null) {
        element.removeAttribute('data-until');
    } else {
        element.setAttribute('data-until', String(until_ms));
    }
    element.textContent = clockedText(text, until_ms, Date.now());
}

function tickFaultClocks() {
    var now_ms = Date.now();
    var elements = document.querySelectorAll('[data-until]');
    for (var i = 0; i < elements.length; i++) {
        var element = elements[i];
        element.textContent = clockedText(element.getAttribute('data-text') || '',
                                          Number(element.getAttribute('data-until')), now_ms);
    }
}

// The fault to name beside a node: the one that says most about it.
function headlineFault(node) {
    var order = ['crash', 'pause', 'isolate', 'partition', 'disk-stall', 'delay', 'drop',
                 'duplicate'];
    for (var i = 0; i < order.length; i++) {
        var fault = faultOf(node, order[i]);
        if (fault) { return fault; }
    }
    return node.faults.length > 0 ? node.faults[0] : null;
}

// The node's map group shows its faults: classes for the drawing, the
// headline fault counting down beside it, every fault in its tooltip.
function decorateNodeFaults(group, node) {
    var kinds = node.faults.map(function (fault) { return fault.kind; });
    var classes = kinds.map(function (kind) { return 'fault-' + kind; });
    if (isCrashed(node)) { classes.push('crashed'); }
    if (classes.length > 0) {
        group.setAttribute('class', group.getAttribute('class') + ' ' + classes.join(' '));
    }
    group.setAttribute('data-faults', kinds.join(' '));
    var label = group.querySelector('.fault-tag');
    var headline = headlineFault(node);
    var more = node.faults.length > 1 ? ' (+' + (node.faults.length - 1) + ')' : '';
    if (headline) {
        setFaultClock(label, faultName(headline) + more, headline.until_ms);
    } else if (isCrashed(node)) {
        setFaultClock(label, 'crashed', null);
    } else {
        setFaultClock(label, '', null);
    }
    return node.faults.map(function (fault) { return fault.description; }).join('; ');
}

// Every link a node's faults act on: [{ from, to, style, fault }].
function faultLinks(nodes) {
    var links = [];
    nodes.forEach(function (node) {
        node.faults.forEach(function (fault) {
            var style = k_link_styles[fault.kind];
            if (!style) { return; }
            var peers = fault.peers;
            if (fault.kind === 'isolate' || peers.length === 0) {
                peers = nodes.map(function (other) { return other.id; });
            }
            peers.forEach(function (peer) {
                if (peer !== node.id) {
                    links.push({ from: node.id, to: peer, style: style, fault: fault });
                }
            });
        });
    });
    return links;
}

// A link as a curve bowed to one side, so that it shows between the close
// rows of the formation; a second style on the same pair bows further.
function linkPath(from, to, bend) {
    var dx = to[0] - from[0];
    var dy = to[1] - from[1];
    var length = Math.max(1, Math.sqrt(dx * dx + dy * dy));
    var nx = -dy / length;
    var ny = dx / length;
    // Bowed to the left: each node's labels are on its right.
    if (nx > 0 || (nx === 0 && ny < 0)) { nx = -nx; ny = -ny; }
    var bulge = bend * (k_link_bulge_px + length * 0.3);
    var cx = (from[0] + to[0]) / 2 + nx * bulge;
    var cy = (from[1] + to[1]) / 2 + ny * bulge;
    return {
        d: 'M' + from[0].toFixed(1) + ' ' + from[1].toFixed(1) + ' Q' + cx.toFixed(1) + ' ' +
            cy.toFixed(1) + ' ' + to[0].toFixed(1) + ' ' + to[1].toFixed(1),
        // The curve's middle, where its mark goes.
        mid: [(from[0] + 2 * cx + to[0]) / 4, (from[1] + 2 * cy + to[1]) / 4]
    };
}

// Draws the faulted links between the nodes at `places` (id -> [x, y]).
function drawFaultLinks(layer, nodes, places) {
    clearChildren(layer);
    var seen = {};
    var bends = {};
    // The legend names the styles; a cut also gets a cross where it breaks.
    var marks = { cut: '✕', slow: '', lossy: '' };
    faultLinks(nodes).forEach(function (link) {
        var from = places[link.from];
        var to = places[link.to];
        if (!from || !to) { return; }
        var pair = Math.min(link.from, link.to) + '-' + Math.max(link.from, link.to);
        if (seen[pair + link.style]) { return; }
        seen[pair + link.style] = true;
        bends[pair] = (bends[pair] || 0) + 1;
        var path = linkPath(from, to, bends[pair]);
        var group = svgElement('g', { 'class': 'link ' + link.style }, layer);
        group.setAttribute('data-link', pair);
        group.setAttribute('data-style', link.style);
        svgElement('path', { d: path.d }, group);
        if (marks[link.style]) {
            svgText(group, path.mid[0], path.mid[1] + 4, marks[link.style], 'mark', 'middle');
        }
        svgElement('title', {}, group).textContent =
            nodeLabel(link.from) + ': ' + link.fault.description;
    });
}
