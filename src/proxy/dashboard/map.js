// ---- The convoy map ---------------------------------------------------------

var SVG_NS = 'http://www.w3.org/2000/svg';
var k_map_height = 300;
var k_node_radius = 11;
var mapLayers = null;        // { scenery, links, nodes }: the drawing, faulted links, nodes
var nodeGroups = {};         // id -> <g>, reused across redraws

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

// Where the map puts things: the x range, the y extent, and the scales.
function mapFrame(width, placed) {
    var mission = state.mission || {};
    var target = mission.target || [100, 0];
    var xs = [0, 100, target[0]];
    var ys = [0, target[1]];
    placed.forEach(function (item) { xs.push(item.point[0]); ys.push(item.point[1]); });
    if (mission.lead) { xs.push(mission.lead[0]); ys.push(mission.lead[1]); }
    var x_min = Math.min.apply(null, xs) - 3;
    var x_max = Math.max.apply(null, xs) + 3;
    var y_extent = Math.max(2, Math.max.apply(null, ys.map(Math.abs))) + 0.7;
    var frame = { left: 40, right: 18, top: 30, bottom: 52, target: target };
    frame.lead = mission.lead || null;
    frame.width = width;
    frame.plot_width = width - frame.left - frame.right;
    frame.plot_height = k_map_height - frame.top - frame.bottom;
    frame.centre_y = frame.top + frame.plot_height / 2;
    frame.x_min = x_min;
    frame.x_max = x_max;
    frame.y_extent = y_extent;
    frame.x_scale = frame.plot_width / (x_max - x_min);
    frame.y_scale = (frame.plot_height / 2) / y_extent;
    frame.sx = function (x) { return frame.left + (x - x_min) * frame.x_scale; };
    frame.sy = function (y) { return frame.centre_y - y * frame.y_scale; };
    return frame;
}

function drawLegend(layer) {
    var items = [['leader', 'leader'], ['follower', 'follower'], ['candidate', 'candidate'],
                 ['learner', 'learner'], ['crashed', 'crashed'],
                 ['unreachable', 'unreachable (last known place)']];
    var x = 10;
    items.forEach(function (item) {
        var group = svgElement('g', { 'class': 'legend node ' + item[0] }, layer);
        group.setAttribute('transform', 'translate(' + x + ',12)');
        svgElement('circle', { 'class': 'body', r: 5, cx: 5, cy: 0 }, group);
        svgText(group, 14, 0, item[1]);
        x += 24 + item[1].length * 6.2;
    });
    drawLinkLegend(layer, x + 10);
}

function drawScenery(layer, frame) {
    var sx = frame.sx;
    var sy = frame.sy;
    var plot_left = frame.left;
    var plot_right = frame.width - frame.right;
    var axis_y = frame.top + frame.plot_height + 12;
    // Formation rows (integer y) as faint lines, when there are few enough to read.
    if (frame.y_extent <= 12) {
        for (var row = -Math.floor(frame.y_extent); row <= Math.floor(frame.y_extent); row++) {
            if (row !== 0) { svgLine(layer, 'row', plot_left, sy(row), plot_right, sy(row)); }
        }
    }
    var row_label = Math.floor(frame.y_extent);
    [row_label, 0, -row_label].forEach(function (y) {
        svgText(layer, frame.left - 8, sy(y) + 4, 'y ' + y, 'axis-label', 'end');
    });
    svgLine(layer, 'centre', plot_left, sy(0), plot_right, sy(0));
    svgLine(layer, 'track', sx(0), sy(0), sx(100), sy(0));
    if (frame.lead) {
        var done_x = Math.max(0, Math.min(100, frame.lead[0]));
        if (done_x > 0) { svgLine(layer, 'track-done', sx(0), sy(0), sx(done_x), sy(0)); }
    }
    // The x axis: a tick every 10 units across the visible range.
    svgLine(layer, 'tick', plot_left, axis_y, plot_right, axis_y);
    for (var x = Math.ceil(frame.x_min / 10) * 10; x <= frame.x_max; x += 10) {
        svgLine(layer, 'tick', sx(x), axis_y, sx(x), axis_y + 6);
        svgLine(layer, 'tick', sx(x), sy(0) - 5, sx(x), sy(0) + 5);
        svgText(layer, sx(x), axis_y + 18, String(x), 'tick-label', 'middle');
    }
    // The target; its label turns left near the right edge.
    var tx = sx(frame.target[0]);
    var ty = sy(frame.target[1]);
    svgElement('circle', { 'class': 'target', cx: tx, cy: ty, r: 15 }, layer);
    svgElement('circle', { 'class': 'target', cx: tx, cy: ty, r: 7 }, layer);
    var label = 'target ' + pointText(frame.target);
    if (tx > plot_right - 60) {
        svgText(layer, tx + 15, ty - 21, label, 'target-label', 'end');
    } else {
        svgText(layer, tx, ty - 21, label, 'target-label', 'middle');
    }
}

function createNodeGroup(layer, id) {
    var group = svgElement('g', { 'data-node-id': String(id) }, layer);
    var crown = 'M-8 -19 L-8 -27 L-4 -22 L0 -29 L4 -22 L8 -27 L8 -19 Z';
    svgElement('circle', { 'class': 'ring', r: k_node_radius + 5 }, group);
    svgElement('circle', { 'class': 'isolation-ring', r: k_node_radius + 8 }, group);
    svgElement('circle', { 'class': 'ballot-ring', r: k_node_radius + 5 }, group);
    svgElement('path', { 'class': 'crown', d: crown }, group);
    svgElement('circle', { 'class': 'body', r: k_node_radius }, group);
    svgText(group, 0, 0, String(id), 'id');
    var cross = 'M-7 -7 L7 7 M7 -7 L-7 7';
    svgElement('path', { 'class': 'cross', d: cross }, group);
    var badge = svgElement('g', { 'class': 'pause-badge' }, group);
    svgElement('circle', { r: 6, cx: 10, cy: -10 }, badge);
    svgElement('path', { d: 'M8 -13 L8 -7 M12 -13 L12 -7' }, badge);
    var tag = svgText(group, k_node_radius + 8, 4, '', 'tag', 'start');
    svgElement('tspan', { 'class': 'role-tag' }, tag);
    svgElement('tspan', { 'class': 'fault-tag', dx: 4 }, tag);
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

function updateNodeGroup(group, node, x, y, stale) {
    // The proxy's leader; a node that still calls itself leader in an older
    // term (deposed, not told yet) gets no crown.
    var leading = node.role !== 'unreachable' &&
        (state.leader !== null ? node.id === state.leader : node.role === 'leader');
    var campaigning = node.role === 'candidate' || node.role === 'pre_candidate';
    group.setAttribute('class', 'node ' + node.role);
    group.setAttribute('data-role', node.role);
    group.style.transform = 'translate(' + x.toFixed(1) + 'px, ' + y.toFixed(1) + 'px)';
    group.querySelector('.ring').style.display = leading ? '' : 'none';
    group.querySelector('.crown').style.display = leading ? '' : 'none';
    group.querySelector('.ballot-ring').style.display = campaigning ? '' : 'none';
    group.querySelector('.role-tag').textContent = nodeTag(node, leading, campaigning);
    var faults = decorateNodeFaults(group, node);
    var position = node.position || state.lastPositions[node.id] || null;
    group.querySelector('title').textContent =
        nodeLabel(node.id) + ' ' + show(node.name) + ' · ' + node.role +
        ' · term ' + show(node.term) + ' · ' + pointText(position) +
        (stale && position ? ' (last known)' : '') + (faults ? ' · ' + faults : '');
}

function renderMap() {
    var svg = byId('map');
    var width = Math.max(360, Math.round(svg.getBoundingClientRect().width) || 820);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + k_map_height);
    if (!mapLayers) {
        mapLayers = { scenery: svgElement('g', {}, svg), links: svgElement('g', {}, svg),
                      nodes: svgElement('g', {}, svg) };
    }
    var placed = [];
    var unplaced = [];
    state.nodes.forEach(function (node) {
        var point = node.position || state.lastPositions[node.id] || null;
        if (point) { placed.push({ node: node, point: point, stale: !node.position }); }
        else { unplaced.push(node); }
    });
    var frame = mapFrame(width, placed);
    clearChildren(mapLayers.scenery);
    drawLegend(mapLayers.scenery);
    drawScenery(mapLayers.scenery, frame);
    if (unplaced.length > 0) {
        var unknown_y = k_map_height - 8;
        svgText(mapLayers.scenery, frame.left, unknown_y, 'position unknown:', 'axis-label',
                'start');
    }
    var drawn = {};
    var places = {};
    // Reachable nodes are drawn last, on top of the grey ones left behind.
    placed.sort(function (a, b) {
        return (b.stale ? 1 : 0) - (a.stale ? 1 : 0) || a.node.id - b.node.id;
    });
    placed.forEach(function (item) {
        var group = nodeGroups[item.node.id] || createNodeGroup(mapLayers.nodes, item.node.id);
        nodeGroups[item.node.id] = group;
        mapLayers.nodes.appendChild(group);
        var x = frame.sx(item.point[0]);
        var y = frame.sy(item.point[1]);
        updateNodeGroup(group, item.node, x, y, item.stale);
        drawn[item.node.id] = true;
        places[item.node.id] = [x, y];
    });
    unplaced.forEach(function (node, index) {
        var group = nodeGroups[node.id] || createNodeGroup(mapLayers.nodes, node.id);
        nodeGroups[node.id] = group;
        var x = frame.left + 125 + index * 60;
        updateNodeGroup(group, node, x, k_map_height - 12, true);
        drawn[node.id] = true;
        places[node.id] = [x, k_map_height - 12];
    });
    Object.keys(nodeGroups).forEach(function (id) {
        if (!drawn[id]) {
            nodeGroups[id].remove();
            delete nodeGroups[id];
        }
    });
    drawFaultLinks(mapLayers.links, state.nodes, places);
    root.setAttribute('data-nodes', String(Object.keys(drawn).length));
    var stretch = (frame.y_scale / frame.x_scale).toFixed(1);
    byId('map-note').textContent =
        'x to scale; y stretched ×' + stretch + ' to show the formation rows';
}

// ---- The node table ---------------------------------------------------------

var k_table_columns = ['id', 'name', 'role', 'term', 'commit', 'applied', 'lag', 'contact',
                       'place', 'actions'];
var k_numeric_columns = { id: true, term: true, commit: true, applied: true, lag: true,
                          contact: true };
// id -> { row, cells }. Rows are kept and updated in place: rebuilt with
// every status (four times a second while a fault counts down), their
// buttons would be replaced between a press and its release.
var tableRows = {};
var tableEmptyRow = null;

function createTableRow(id) {
    var row = html('tr');
    row.setAttribute('data-node-id', String(id));
    var cells = {};
    k_table_columns.forEach(function (column) {
        var cell = html('td', k_numeric_columns[column] ? 'num' : 'col-' + column);
        row.appendChild(cell);
        cells[column] = cell;
    });
    createNodeActions(cells.actions, id);
    return { row: row, cells: cells };
}

function updateTableRow(entry, node) {
    var cells = entry.cells;
    var classes = node.role + (node.id === state.leader ? ' leader' : '');
    entry.row.className = classes + (isCrashed(node) ? ' crashed' : '');
    cells.id.textContent = String(node.id);
    cells.name.textContent = show(node.name);
    clearChildren(cells.role);
    cells.role.appendChild(html('span', 'role ' + node.role, node.role.replace('_', '-')));
    node.faults.forEach(function (fault) {
        var chip = html('span', 'fault-chip ' + (k_link_styles[fault.kind] || fault.kind));
        chip.title = fault.description;
        setFaultClock(chip, faultName(fault), fault.until_ms);
        cells.role.appendChild(chip);
    });
    cells.term.textContent = show(node.term);
    cells.commit.textContent = show(node.commit);
    cells.applied.textContent = show(node.applied);
    cells.lag.textContent = show(node.lag);
    cells.contact.textContent = node.id === state.leader ? 'self' :
        node.lastContact === null ? '—' : durationText(node.lastContact);
    var last = state.lastPositions[node.id];
    cells.place.textContent = node.position ? pointText(node.position) :
        last ? pointText(last) + ' (last known)' : '—';
    updateNodeActions(cells.actions, node);
}

function renderTable() {
    var body = byId('nodes');
    if (!tableEmptyRow) {
        tableEmptyRow = html('tr');
        tableEmptyRow.appendChild(html('td', 'empty', 'No nodes known yet.')).colSpan =
            k_table_columns.length;
    }
    var wanted = state.nodes.length === 0 ? [tableEmptyRow] : [];
    var kept = {};
    var reachable = 0;
    state.nodes.forEach(function (node) {
        if (node.role !== 'unreachable') { reachable += 1; }
        var entry = tableRows[node.id] || (tableRows[node.id] = createTableRow(node.id));
        updateTableRow(entry, node);
        wanted.push(entry.row);
        kept[node.id] = true;
    });
    Object.keys(tableRows).forEach(function (id) {
        if (!kept[id]) { delete tableRows[id]; }
    });
    // Moves a row only when it is out of place.
    wanted.forEach(function (row, index) {
        if (body.children[index] !== row) { body.insertBefore(row, body.children[index] || null); }
    });
    while (body.children.length > wanted.length) { body.removeChild(body.lastChild); }
    byId('table-note').textContent = state.nodes.length + ' nodes · ' + reachable + ' reachable';
}
