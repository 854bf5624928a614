#pragma once

// Tables for people: `raftescort ctl` prints every list as a header row and
// aligned columns, so that `column`-free terminals and `awk '{print $2}'`
// both read it.

#include <ostream>
#include <string>
#include <vector>

namespace raftescort::ctl {

/// A header row and rows of cells. Each column is as wide as its widest
/// cell; columns are separated by two spaces; no line has trailing spaces.
class Table {
public:
    explicit Table(std::vector<std::string> header);

    /// Adds a row with exactly one cell per header column.
    void add_row(std::vector<std::string> cells);
    std::size_t row_count() const { return m_rows.size(); }

    /// The header line, then one line per row, without newlines.
    std::vector<std::string> lines() const;
    /// Writes lines(), each followed by a newline, prefixed by `indent`.
    void print(std::ostream& out, const std::string& indent = "") const;

private:
    std::vector<std::string> m_header;
    std::vector<std::vector<std::string>> m_rows;
};

} // namespace raftescort::ctl
