#include "ctl/table.hpp"

#include <raftescort/util/assert.hpp>

#include <algorithm>
#include <utility>

namespace raftescort::ctl {

namespace {

constexpr const char* k_column_gap = "  ";

std::string render_row(const std::vector<std::string>& cells,
                       const std::vector<std::size_t>& widths)
{
    RE_ASSERT(cells.size() == widths.size());
    std::string line;
    for (std::size_t column = 0; column < cells.size(); ++column) {
        if (column > 0) {
            line += k_column_gap;
        }
        line += cells[column];
        // The last column is not padded: no trailing spaces.
        if (column + 1 < cells.size()) {
            line.append(widths[column] - cells[column].size(), ' ');
        }
    }
    while (!line.empty() && line.back() == ' ') {
        line.pop_back();
    }
    return line;
}

} // namespace

Table::Table(std::vector<std::string> header) : m_header(std::move(header))
{
    RE_ASSERT(!m_header.empty());
}

void Table::add_row(std::vector<std::string> cells)
{
    RE_ASSERT(cells.size() == m_header.size());
    m_rows.push_back(std::move(cells));
}

std::vector<std::string> Table::lines() const
{
    std::vector<std::size_t> widths;
    for (const std::string& title : m_header) {
        widths.push_back(title.size());
    }
    for (const std::vector<std::string>& row : m_rows) {
        RE_ASSERT(row.size() == widths.size());
        for (std::size_t column = 0; column < row.size(); ++column) {
            widths[column] = std::max(widths[column], row[column].size());
        }
    }
    std::vector<std::string> lines;
    lines.reserve(m_rows.size() + 1);
    lines.push_back(render_row(m_header, widths));
    for (const std::vector<std::string>& row : m_rows) {
        lines.push_back(render_row(row, widths));
    }
    return lines;
}

void Table::print(std::ostream& out, const std::string& indent) const
{
    for (const std::string& line : lines()) {
        out << indent << line << '\n';
    }
}

} // namespace raftescort::ctl
