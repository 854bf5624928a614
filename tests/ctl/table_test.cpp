// ctl's tables: each column as wide as its widest cell, two spaces between
// columns, no trailing spaces, a header even when there are no rows.

#include "ctl/table.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

using raftescort::ctl::Table;

TEST_CASE("ctl: a table pads each column to its widest cell", "[ctl]")
{
    // Goal: `awk '{print $2}'` and the eye both find the columns. Method: a
    // cell wider than its header widens the column for every row.
    Table table({"ID", "ADDRESS", "ROLE"});
    table.add_row({"1", "127.0.0.1:5001", "leader"});
    table.add_row({"12", "h:5", "follower"});
    CHECK(table.row_count() == 2);
    const std::vector<std::string> expected{
        "ID  ADDRESS         ROLE",
        "1   127.0.0.1:5001  leader",
        "12  h:5             follower",
    };
    CHECK(table.lines() == expected);
}

TEST_CASE("ctl: a table's lines never end in spaces", "[ctl]")
{
    // Goal: no trailing spaces, even when the last cells are empty or
    // shorter than the header. Method: an empty last cell and an empty
    // middle cell.
    Table table({"A", "B", "LONG HEADER"});
    table.add_row({"x", "", ""});
    table.add_row({"", "y", "z"});
    for (const std::string& line : table.lines()) {
        INFO(line);
        REQUIRE(!line.empty());
        CHECK(line.back() != ' ');
    }
    CHECK(table.lines()[1] == "x");
    CHECK(table.lines()[2] == "   y  z");
}

TEST_CASE("ctl: an empty table is its header alone", "[ctl]")
{
    // Goal: a list with no entries still says what it would hold. Method:
    // no rows; print() with an indent.
    Table table({"INDEX", "TERM", "TYPE", "COMMAND"});
    CHECK(table.row_count() == 0);
    CHECK(table.lines() == std::vector<std::string>{"INDEX  TERM  TYPE  COMMAND"});
    std::ostringstream out;
    table.print(out, "  ");
    CHECK(out.str() == "  INDEX  TERM  TYPE  COMMAND\n");
}

TEST_CASE("ctl: a table keeps long cells whole", "[ctl]")
{
    // Goal: the table never cuts a cell (watch cuts whole lines to the
    // terminal's width instead). Method: a 300-character command.
    const std::string command(300, 'c');
    Table table({"INDEX", "COMMAND"});
    table.add_row({"1", command});
    table.add_row({"200", "short"});
    CHECK(table.lines()[1] == "1      " + command);
    CHECK(table.lines()[2] == "200    short");
    std::ostringstream out;
    table.print(out);
    CHECK(out.str() == "INDEX  COMMAND\n1      " + command + "\n200    short\n");
}
