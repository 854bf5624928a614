#include "proxy/metrics/prometheus_text.hpp"

#include <raftescort/util/assert.hpp>

#include <charconv>
#include <cmath>

namespace raftescort::proxy {

void PrometheusText::family(const std::string& name, const std::string& type,
                            const std::string& help)
{
    RE_ASSERT(!name.empty());
    RE_ASSERT(type == "counter" || type == "gauge" || type == "histogram");
    m_text += "# HELP " + name + " " + help + "\n";
    m_text += "# TYPE " + name + " " + type + "\n";
}

void PrometheusText::sample(const std::string& name, const Labels& labels, double value)
{
    m_text += name;
    if (!labels.empty()) {
        m_text += "{";
        for (std::size_t i = 0; i < labels.size(); ++i) {
            m_text += (i == 0 ? "" : ",") + labels[i].first + "=\""
                      + escape_label_value(labels[i].second) + "\"";
        }
        m_text += "}";
    }
    m_text += " " + format_value(value) + "\n";
}

void PrometheusText::histogram(const std::string& name, const Labels& labels,
                               const std::vector<double>& bounds,
                               const std::vector<std::uint64_t>& cumulative, std::uint64_t count,
                               double sum)
{
    RE_ASSERT(bounds.size() == cumulative.size());
    for (std::size_t i = 0; i < bounds.size(); ++i) {
        Labels bucket = labels;
        bucket.emplace_back("le", format_value(bounds[i]));
        sample(name + "_bucket", bucket, static_cast<double>(cumulative[i]));
    }
    Labels infinite = labels;
    infinite.emplace_back("le", "+Inf");
    sample(name + "_bucket", infinite, static_cast<double>(count));
    sample(name + "_sum", labels, sum);
    sample(name + "_count", labels, static_cast<double>(count));
}

std::string PrometheusText::escape_label_value(const std::string& value)
{
    std::string escaped;
    escaped.reserve(value.size());
    for (char c : value) {
        if (c == '\\') {
            escaped += "\\\\";
        } else if (c == '"') {
            escaped += "\\\"";
        } else if (c == '\n') {
            escaped += "\\n";
        } else {
            escaped += c;
        }
    }
    return escaped;
}

std::string PrometheusText::format_value(double value)
{
    if (std::isnan(value)) {
        return "NaN";
    }
    if (std::isinf(value)) {
        return value > 0 ? "+Inf" : "-Inf";
    }
    // Whole values (counters, indexes, terms) print as integers: exact below 2^53.
    if (value == std::trunc(value) && std::fabs(value) < 9007199254740992.0) {
        return std::to_string(static_cast<std::int64_t>(value));
    }
    // Shortest round-trip digits; fixed notation where it stays short, so a
    // bucket bound reads "0.0005" rather than "5e-04".
    char buffer[64];
    const bool plain = std::fabs(value) >= 1e-6 && std::fabs(value) < 1e15;
    auto [end, error] =
        plain ? std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed)
              : std::to_chars(buffer, buffer + sizeof(buffer), value);
    RE_ASSERT(error == std::errc{});
    return std::string(buffer, end);
}

} // namespace raftescort::proxy
