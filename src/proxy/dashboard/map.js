// ---- The formation close-up ----------------------------------------------------

var SVG_NS = 'http://www.w3.org/2000/svg';
var k_node_radius = 11;
// Wider than a marker with its widest ring (38 px): two columns never meet.
var k_closeup_unit_x_px = 44;
// At least a label's height plus a ring's radius: a label beside a node
// clears the markers of the rows above and below.
var k_closeup_unit_y_min_px = 24;
var k_closeup_unit_y_max_px = 36;
var k_closeup_left_px = 44;          // the row labels
var k_closeup_top_px = 34;           // a crown above the top row
var k_closeup_bottom_px = 28;        // the column labels
var k_closeup_label_room_px = 170;   // beside the front of the formation
var k_closeup_height_min_px = 170;
var k_closeup_height_share = 0.5;    // of the window, at most, unless that is under the minimum
var k_unplaced_row_px = 44;          // nodes without a known place, in rows below
var k_unplaced_step_px = 150;
var k_unplaced_caption_px = 130;
var mapLayers = null;        // { scenery, links, nodes }: the drawing, faulted links, nodes
var nodeGroups = {};         // id -> <g>, reused across redraws
var mapPlaces = {};          // id -> [x, y] where its marker is drawn now (trace.js aims at it)

function svgElement(tag, attributes, parent) {
    var element = document.createElementNS(SVG_NS, tag);
    Object.keys(attributes || {}).forEach(function (name) {
        element.setAttribute(name, attributes[name]);
    });
    if (parent) { parent.appendChild(element); }
    return element;
}

function svgLine(parent, className, x1, y1, x2, y2) {
    return svgElement('line', { 'class': className, x1: x1, y1: y1, x2: x2, y2: y2 }, parent);
}

function svgText(parent, x, y, text, className, anchor) {
    var element = svgElement('text', { x: x, y: y, 'class': className || '' }, parent);
    if (anchor) { element.setAttribute('text-anchor', anchor); }
    element.textContent = text;
    return element;
}

function clearChildren(element) {
    while (element.firstChild) { element.removeChild(element.firstChild); }
}

function clamp(value, low, high) { return Math.max(low, Math.min(high, value)); }

// The lead point: the mission's, else the leader's place, else the front.
function formationLead(placed) {
    if (state.mission && state.mission.lead) { return state.mission.lead; }
    var lead = null;
    placed.forEach(function (item) {
        if (item.node.id === state.leader) { lead = item.point; }
    });
    if (lead !== null) { return lead; }
    placed.forEach(function (item) {
        if (lead === null || item.point[0] > lead[0]) { lead = item.point; }
    });
    return lead;
}

// The units the close-up shows along one axis: all of `low`..`high` when
// they fit in `units`, else `units` around `focus`.
function viewRange(low, high, focus, units) {
    if (high - low <= units) {
        var middle = (low + high) / 2;
        return [middle - units / 2, middle + units / 2];
    }
    return [focus - units / 2, focus + units / 2];
}

// Where the close-up puts things. One unit is k_closeup_unit_x_px wide and,
// along y, as tall as the window's share allows within the bounds above; a
// place beyond the view is drawn at its edge (`off` says which).
function closeupFrame(width, placed, lead, unplaced_count) {
    var xs = lead ? [lead[0]] : [];
    var ys = lead ? [lead[1]] : [];
    placed.forEach(function (item) { xs.push(item.point[0]); ys.push(item.point[1]); });
    if (xs.length === 0) { xs.push(0); ys.push(0); }
    var focus = lead || [xs[0], ys[0]];
    var frame = { width: width, left: k_closeup_left_px, top: k_closeup_top_px };
    var plot_width = Math.max(k_closeup_unit_x_px,
                              width - k_closeup_left_px - k_closeup_label_room_px);
    var columns = Math.floor(plot_width / k_closeup_unit_x_px);
    var x_view = viewRange(Math.min.apply(null, xs), Math.max.apply(null, xs), focus[0], columns);
    var per_row = Math.max(1, Math.floor((width - k_unplaced_caption_px) / k_unplaced_step_px));
    var unplaced_rows = Math.ceil(unplaced_count / per_row);
    var height_cap = Math.max(k_closeup_height_min_px,
                              Math.round(window.innerHeight * k_closeup_height_share));
    var plot_cap = Math.max(0, height_cap - k_closeup_top_px - k_closeup_bottom_px -
                            unplaced_rows * k_unplaced_row_px);
    var y_low = Math.min.apply(null, ys);
    var y_high = Math.max.apply(null, ys);
    var rows = Math.min(y_high - y_low, Math.floor(plot_cap / k_closeup_unit_y_min_px));
    var y_view = viewRange(y_low, y_high, focus[1], rows);
    frame.unit_y = rows === 0 ? k_closeup_unit_y_max_px :
        clamp(Math.floor(plot_cap / rows), k_closeup_unit_y_min_px, k_closeup_unit_y_max_px);
    frame.x_view = x_view;
    frame.y_view = y_view;
    frame.plot_height = rows * frame.unit_y;
    frame.unplaced_top = k_closeup_top_px + frame.plot_height + k_closeup_bottom_px;
    frame.unplaced_per_row = per_row;
    frame.height = Math.max(k_closeup_height_min_px,
                            frame.unplaced_top + unplaced_rows * k_unplaced_row_px);
    frame.sx = function (x) {
        return k_closeup_left_px + (clamp(x, x_view[0], x_view[1]) - x_view[0]) *
            k_closeup_unit_x_px;
    };
    frame.sy = function (y) {
        return k_closeup_top_px + (y_view[1] - clamp(y, y_view[0], y_view[1])) * frame.unit_y;
    };
    frame.off = function (point) {
        var x = point[0] < x_view[0] ? 'left' : point[0] > x_view[1] ? 'right' : '';
        var y = point[1] < y_view[0] ? 'below' : point[1] > y_view[1] ? 'above' : '';
        return x && y ? x + ', ' + y : x || y;
    };
    return frame;
}

// Grid lines at whole units, the stretch of track in view, the target if in view.
function drawCloseupScenery(layer, frame, lead) {
    var sx = frame.sx;
    var sy = frame.sy;
    var top = k_closeup_top_px;
    var bottom = top + frame.plot_height;
    var x_first = Math.ceil(frame.x_view[0]);
    for (var x = x_first; x <= frame.x_view[1]; x++) {
        svgLine(layer, 'column', sx(x), top - 8, sx(x), bottom + 8);
        var is_lead = lead !== null && x === lead[0];
        svgText(layer, sx(x), bottom + 22, String(x), is_lead ? 'lead-label' : 'tick-label',
                'middle');
    }
    for (var y = Math.ceil(frame.y_view[0]); y <= frame.y_view[1]; y++) {
        svgLine(layer, y === 0 ? 'centre' : 'row', k_closeup_left_px - 4, sy(y),
                frame.width - 4, sy(y));
        svgText(layer, k_closeup_left_px - 8, sy(y) + 4, 'y ' + y, 'axis-label', 'end');
    }
    var track_from = Math.max(0, frame.x_view[0]);
    var track_to = Math.min(100, frame.x_view[1]);
    if (frame.y_view[0] <= 0 && frame.y_view[1] >= 0 && track_from < track_to) {
        svgLine(layer, 'track', sx(track_from), sy(0), sx(track_to), sy(0));
        var done_to = lead ? Math.min(track_to, lead[0]) : track_from;
        if (done_to > track_from) {
            svgLine(layer, 'track-done', sx(track_from), sy(0), sx(done_to), sy(0));
        }
    }
    var target = (state.mission && state.mission.target) || [100, 0];
    var target_in_view = target[0] >= frame.x_view[0] && target[0] <= frame.x_view[1] &&
        target[1] >= frame.y_view[0] && target[1] <= frame.y_view[1];
    if (target_in_view) {
        svgElement('circle', { 'class': 'target', cx: sx(target[0]), cy: sy(target[1]), r: 15 },
                   layer);
        svgElement('circle', { 'class': 'target', cx: sx(target[0]), cy: sy(target[1]), r: 7 },
                   layer);
    }
}

function createNodeGroup(layer, id) {
    var group = svgElement('g', { 'data-node-id': String(id) }, layer);
    svgElement('line', { 'class': 'displacement', x1: 0, y1: 0, x2: 0, y2: 0 }, group);
    // Everything that draws the node itself, measured as one box by the layout.
    var marker = svgElement('g', { 'class': 'marker' }, group);
    var crown = 'M-8 -19 L-8 -27 L-4 -22 L0 -29 L4 -22 L8 -27 L8 -19 Z';
    svgElement('circle', { 'class': 'ring', r: k_node_radius + 5 }, marker);
    svgElement('circle', { 'class': 'isolation-ring', r: k_node_radius + 8 }, marker);
    svgElement('circle', { 'class': 'ballot-ring', r: k_node_radius + 5 }, marker);
    svgElement('path', { 'class': 'crown', d: crown }, marker);
    svgElement('circle', { 'class': 'body', r: k_node_radius }, marker);
    svgText(marker, 0, 0, String(id), 'id');
    var cross = 'M-7 -7 L7 7 M7 -7 L-7 7';
    svgElement('path', { 'class': 'cross', d: cross }, marker);
    var badge = svgElement('g', { 'class': 'pause-badge' }, marker);
    svgElement('circle', { r: 6, cx: 10, cy: -10 }, badge);
    svgElement('path', { d: 'M8 -13 L8 -7 M12 -13 L12 -7' }, badge);
    var tag = svgText(group, 0, 0, '', 'tag', 'start');
    svgElement('tspan', { 'class': 'role-tag' }, tag);
    svgElement('tspan', { 'class': 'fault-tag', dx: 4 }, tag);
    svgElement('tspan', { 'class': 'age-tag', dx: 4 }, tag);
    svgElement('title', {}, group);
    return group;
}

function nodeTag(node, leading, campaigning) {
    if (leading) { return 'leader'; }
    if (campaigning) { return node.role === 'pre_candidate' ? 'pre-candidate' : 'candidate'; }
    if (node.role === 'learner') { return 'learner'; }
    if (node.role === 'unreachable') { return 'down'; }
    if (isCrashed(node)) { return node.faults.length > 0 ? '' : 'crashed'; }
    return '';
}

// `place`: { point, stale (a last known place), off (beyond the view: which side) }.
function updateNodeGroup(group, node, place, now_ms) {
    // The proxy's leader; a node that still calls itself leader in an older
    // term (deposed, not told yet) gets no crown.
    var leading = node.role !== 'unreachable' &&
        (state.leader !== null ? node.id === state.leader : node.role === 'leader');
    var campaigning = node.role === 'candidate' || node.role === 'pre_candidate';
    var age = dataAgeText(node, now_ms);
    group.setAttribute('class', 'node ' + node.role + (age ? ' stale' : ''));
    group.setAttribute('data-role', node.role);
    group.querySelector('.ring').style.display = leading ? '' : 'none';
    group.querySelector('.crown').style.display = leading ? '' : 'none';
    group.querySelector('.ballot-ring').style.display = campaigning ? '' : 'none';
    var role_tag = nodeTag(node, leading, campaigning);
    if (place.off) { role_tag += (role_tag ? ' ' : '') + pointText(place.point); }
    group.querySelector('.role-tag').textContent = role_tag;
    group.querySelector('.age-tag').textContent = age;
    var faults = decorateNodeFaults(group, node);
    group.querySelector('title').textContent =
        nodeLabel(node.id) + ' ' + show(node.name) + ' · ' + node.role +
        ' · term ' + show(node.term) + ' · ' + pointText(place.point) +
        (place.stale && place.point ? ' (last known)' : '') + ownPlaceText(node, place.point) +
        (place.off ? ' (beyond the close-up, ' + place.off + ')' : '') +
        (faults ? ' · ' + faults : '') + (age ? ' · ' + age : '');
}

// A node whose own state puts it elsewhere than the leader's does.
function ownPlaceText(node, point) {
    var own = node.position;
    if (!own || !point || (own[0] === point[0] && own[1] === point[1])) { return ''; }
    return ' (its own state says ' + pointText(own) + ')';
}

// The box a group's marker takes around its centre, and its label's size
// (null when it says nothing), both as drawn now.
var k_marker_box_fallback = { x: -19, y: -29, width: 38, height: 48 };

function measureNodeGroup(group) {
    var box = group.querySelector('.marker').getBBox();
    if (!(box.width > 0 && box.height > 0)) { box = k_marker_box_fallback; }
    var tag = group.querySelector('text.tag');
    tag.style.display = '';
    tag.setAttribute('x', 0);
    tag.setAttribute('y', 0);
    var text = tag.textContent.trim();
    var size = text ? tag.getBBox() : null;
    var label = size && size.width > 0 ? { x: size.x, y: size.y, width: size.width,
                                           height: size.height } : null;
    return { box: { x: box.x, y: box.y, width: box.width, height: box.height }, label: label };
}

// Moves a measured, placed item's group to its place, its label beside it.
function applyPlacement(item) {
    var group = item.group;
    var x = item.shown[0];
    var y = item.shown[1];
    group.style.transform = 'translate(' + x.toFixed(1) + 'px, ' + y.toFixed(1) + 'px)';
    // A marker moved off its place to stay clear keeps a line to the place.
    var line = group.querySelector('.displacement');
    line.setAttribute('x2', (item.x - x).toFixed(1));
    line.setAttribute('y2', (item.y - y).toFixed(1));
    line.style.display = item.x === x && item.y === y ? 'none' : '';
    var tag = group.querySelector('text.tag');
    if (item.labelAt === null) {
        tag.style.display = item.label ? 'none' : '';
        return;
    }
    tag.setAttribute('x', (item.labelAt[0] - x - item.label.x).toFixed(1));
    tag.setAttribute('y', (item.labelAt[1] - y - item.label.y).toFixed(1));
}

function nodeGroupFor(id) {
    var group = nodeGroups[id] || createNodeGroup(mapLayers.nodes, id);
    nodeGroups[id] = group;
    mapLayers.nodes.appendChild(group);
    return group;
}

// Each node with a known place, and those without one. A node's place is
// the leader's record of it (one applied index for all; a node cut off from
// the leader reports a stale one), else its own report, else its last known.
// The leader comes first, then live places before last known ones: when two
// nodes claim one place (without a leader, a deposed one still reports the
// lead's), the one listed first keeps it and the other is drawn beside it.
function sortNodesByPlace() {
    var placed = [];
    var unplaced = [];
    state.nodes.forEach(function (node) {
        var live = node.formationPosition || node.position;
        var point = live || state.lastPositions[node.id] || null;
        if (point) { placed.push({ node: node, point: point, stale: !live }); }
        else { unplaced.push(node); }
    });
    var rank = function (item) {
        return item.node.id === state.leader ? 0 : item.stale ? 2 : 1;
    };
    placed.sort(function (a, b) { return rank(a) - rank(b) || a.node.id - b.node.id; });
    return { placed: placed, unplaced: unplaced };
}

function renderMap() {
    var svg = byId('map');
    var width = Math.max(360, Math.round(svg.getBoundingClientRect().width) || 820);
    if (!mapLayers) {
        // Messages fly under the markers, so an id is never hidden by one.
        mapLayers = { scenery: svgElement('g', {}, svg), links: svgElement('g', {}, svg),
                      messages: svgElement('g', {}, svg), nodes: svgElement('g', {}, svg) };
    }
    var now_ms = Date.now();
    var nodes = sortNodesByPlace();
    var lead = formationLead(nodes.placed);
    var frame = closeupFrame(width, nodes.placed, lead, nodes.unplaced.length);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + frame.height);
    svg.style.height = frame.height + 'px';
    clearChildren(mapLayers.scenery);
    drawCloseupScenery(mapLayers.scenery, frame, lead);
    var items = [];
    var drawn = {};
    nodes.placed.forEach(function (entry) {
        var group = nodeGroupFor(entry.node.id);
        var off = frame.off(entry.point);
        updateNodeGroup(group, entry.node, { point: entry.point, stale: entry.stale, off: off },
                        now_ms);
        var measured = measureNodeGroup(group);
        items.push({ group: group, id: entry.node.id, box: measured.box, label: measured.label,
                     x: frame.sx(entry.point[0]), y: frame.sy(entry.point[1]) });
        drawn[entry.node.id] = true;
    });
    if (nodes.unplaced.length > 0) {
        svgText(mapLayers.scenery, 10, frame.unplaced_top + 24, 'place unknown:', 'axis-label',
                'start');
    }
    nodes.unplaced.forEach(function (node, index) {
        var group = nodeGroupFor(node.id);
        updateNodeGroup(group, node, { point: null, stale: true, off: '' }, now_ms);
        var measured = measureNodeGroup(group);
        var column = index % frame.unplaced_per_row;
        var row = Math.floor(index / frame.unplaced_per_row);
        items.push({ group: group, id: node.id, box: measured.box, label: measured.label,
                     x: k_unplaced_caption_px + column * k_unplaced_step_px,
                     y: frame.unplaced_top + 20 + row * k_unplaced_row_px });
        drawn[node.id] = true;
    });
    Object.keys(nodeGroups).forEach(function (id) {
        if (!drawn[id]) {
            nodeGroups[id].remove();
            delete nodeGroups[id];
        }
    });
    var bounds = { left: 0, top: 0, right: width, bottom: frame.height };
    var markers = placeMarkers(items, bounds);
    placeLabels(items, markers, bounds);
    var places = {};
    items.forEach(function (item) {
        applyPlacement(item);
        places[item.id] = item.shown;
    });
    drawFaultLinks(mapLayers.links, state.nodes, places);
    mapPlaces = places;
    root.setAttribute('data-nodes', String(items.length));
    svg.setAttribute('data-lead', lead ? lead[0] + ',' + lead[1] : '');
    byId('map-note').textContent = 'close-up: 1 unit = ' + k_closeup_unit_x_px + ' px across, ' +
        frame.unit_y + ' px up' + (lead ? ' · lead ' + pointText(lead) : '');
    renderTrack({ lead: lead, count: items.length, window_x: frame.x_view,
                  depth_units: formationDepth(nodes.placed, lead) });
}

// How far the formation reaches behind the lead, in units, for the track's glyph.
function formationDepth(placed, lead) {
    var depth = 0;
    if (!lead) { return depth; }
    placed.forEach(function (item) { depth = Math.max(depth, lead[0] - item.point[0]); });
    return depth;
}
