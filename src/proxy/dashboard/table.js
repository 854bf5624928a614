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
    entry.row.className = classes + (isCrashed(node) ? ' crashed' : '') +
        (dataAgeText(node, Date.now()) ? ' stale' : '');
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
    var age = dataAgeText(node, Date.now());
    if (age) {
        var age_chip = html('span', 'age-chip', age);
        age_chip.title = 'the proxy has not heard from the node for longer than one poll';
        cells.role.appendChild(age_chip);
    }
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
