#include "ctl/log_views.hpp"

#include "ctl/format.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace raftescort::ctl {

namespace {

using nlohmann::json;

std::string entry_state(const json& entry, std::uint64_t commit, std::uint64_t applied)
{
    const std::uint64_t index = field_unsigned(entry, "index");
    if (index <= applied) {
        return "applied";
    }
    return index <= commit ? "committed" : "uncommitted";
}

std::string node_heading(const json& window)
{
    std::string heading = "node " + field_text(window, "id");
    if (field(window, "name").is_string()) {
        heading += " (" + field_text(window, "name") + ")";
    }
    if (field(window, "error").is_string()) {
        return heading + ": " + field_text(window, "error");
    }
    return heading + " " + field_text(window, "role") + ", term " + field_text(window, "term");
}

/// "lost: index 7 (term 3) replaced by term 4 at 2026-12-07 21:40:01.250"
void print_lost(std::ostream& out, const json& window, const std::string& indent)
{
    for (const json& lost : as_list(field(window, "overwritten"))) {
        out << indent << "lost: index " << field_text(lost, "index") << " (term "
            << field_text(lost, "term") << ") ";
        if (field_text(lost, "how") == "replaced") {
            out << "replaced by term " << field_text(lost, "replaced_by_term");
        } else {
            out << field_text(lost, "how");
        }
        out << " at " << timestamp_ms_text(field(lost, "at_ms")) << '\n';
    }
}

} // namespace

void print_log_window(std::ostream& out, const json& window)
{
    out << node_heading(window);
    if (field(window, "error").is_string()) {
        out << '\n';
        return;
    }
    out << "; entries " << field_text(window, "first_index") << ".."
        << field_text(window, "last_index") << ", commit " << field_text(window, "commit_index")
        << ", applied " << field_text(window, "applied_index") << ", snapshot "
        << field_text(window, "snapshot_index") << '\n';
    const std::uint64_t commit = field_unsigned(window, "commit_index");
    const std::uint64_t applied = field_unsigned(window, "applied_index");
    Table table({"INDEX", "TERM", "TYPE", "COMMAND", "STATE"});
    for (const json& entry : as_list(field(window, "entries"))) {
        table.add_row({field_text(entry, "index"), field_text(entry, "term"),
                       field_text(entry, "type"), field_text(entry, "command"),
                       entry_state(entry, commit, applied)});
    }
    table.print(out);
    print_lost(out, window, "");
}

void print_log_windows(std::ostream& out, const json& windows)
{
    const json& nodes = as_list(field(windows, "nodes"));
    std::vector<std::string> header{"INDEX"};
    // By index, one cell per node.
    std::map<std::uint64_t, std::vector<std::string>> rows;
    std::vector<std::string> commits{"COMMIT"};
    std::vector<std::string> applied{"APPLIED"};
    bool uncommitted = false;
    for (std::size_t column = 0; column < nodes.size(); ++column) {
        const json& window = nodes[column];
        const std::string role =
            field(window, "error").is_string() ? "unreadable" : field_text(window, "role");
        header.push_back(field_text(window, "id") + " (" + role + ")");
        commits.push_back(field_text(window, "commit_index"));
        applied.push_back(field_text(window, "applied_index"));
        const std::uint64_t commit = field_unsigned(window, "commit_index");
        for (const json& entry : as_list(field(window, "entries"))) {
            std::vector<std::string>& row = rows[field_unsigned(entry, "index")];
            row.resize(nodes.size(), k_no_value);
            std::string cell = field_text(entry, "term") + " " + field_text(entry, "kind");
            if (field_unsigned(entry, "index") > commit) {
                cell += "*";
                uncommitted = true;
            }
            row[column] = cell;
        }
    }
    Table table(header);
    for (auto& [index, cells] : rows) {
        cells.resize(nodes.size(), k_no_value);
        cells.insert(cells.begin(), std::to_string(index));
        table.add_row(cells);
    }
    table.add_row(commits);
    table.add_row(applied);
    table.print(out);
    if (uncommitted) {
        out << "* not yet committed on that node; each cell is TERM KIND\n";
    }
    for (const json& window : nodes) {
        if (field(window, "error").is_string()) {
            out << node_heading(window) << '\n';
        }
        if (!as_list(field(window, "overwritten")).empty()) {
            out << "node " << field_text(window, "id") << ":\n";
            print_lost(out, window, "  ");
        }
    }
}

} // namespace raftescort::ctl
