#pragma once

// Writes the Prometheus text exposition format, version 0.0.4: per family a
// "# HELP" and a "# TYPE" line, then one "name{labels} value" line per
// sample. Label values are escaped (backslash, quote, newline); values print
// as integers when they are whole, so counters read naturally.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace raftescort::proxy {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
public:
    /// Starts a family; `type` is counter, gauge or histogram.
    void family(const std::string& name, const std::string& type, const std::string& help);
    void sample(const std::string& name, const Labels& labels, double value);
    /// One histogram's _bucket (cumulative, with le="+Inf"), _sum and _count lines.
    void histogram(const std::string& name, const Labels& labels, const std::vector<double>& bounds,
                   const std::vector<std::uint64_t>& cumulative, std::uint64_t count, double sum);

    const std::string& text() const { return m_text; }

    static std::string escape_label_value(const std::string& value);
    static std::string format_value(double value);

private:
    std::string m_text;
};

} // namespace raftescort::proxy
