// A JSON parser with limits; see bounded_json.hpp.

#include "transport/http/bounded_json.hpp"

#include "transport/http/error_text.hpp"

#include <raftescort/util/assert.hpp>

#include <string>
#include <utility>
#include <vector>

namespace raftescort::transport::http {
namespace {

using nlohmann::json;

/// Longest part of nlohmann's own explanation kept in an error. Its
/// explanations are grammar ("unexpected '}'; expected string literal"),
/// but they are cut and escaped like input all the same.
constexpr std::size_t k_reason_bytes_max = 100;

/// An open object or array, with where the value being parsed sits in it.
struct Frame {
    json* container = nullptr;
    /// Objects: the key of the member being parsed.
    std::string key;
};

/// The SAX handler: builds the tree like nlohmann's json_sax_dom_parser,
/// and refuses what JsonLimits and the format rule out. The member
/// functions are the SAX interface nlohmann calls; returning false stops
/// the parse, and the reason is kept in m_error.
class BoundedBuilder {
public:
    explicit BoundedBuilder(const JsonLimits& limits) : m_limits(limits) { }

    bool null() { return add_value(json(nullptr)); }
    bool boolean(bool value) { return add_value(json(value)); }
    bool number_unsigned(json::number_unsigned_t value) { return add_value(json(value)); }

    bool number_integer(json::number_integer_t value)
    {
        if (!m_limits.unsigned_integers_only) {
            return add_value(json(value));
        }
        // nlohmann only reports numbers written with a '-' here, "-0" included.
        return fail("must not be negative");
    }

    bool number_float(json::number_float_t value, const json::string_t& /*text*/)
    {
        if (!m_limits.unsigned_integers_only) {
            return add_value(json(value));
        }
        // Fractions, exponents and integers of 2^64 and above all arrive here.
        return fail("must be an integer in [0, 2^64) without fraction or exponent");
    }

    bool string(json::string_t& value)
    {
        if (value.size() > m_limits.string_bytes_max) {
            return fail("string of " + std::to_string(value.size()) + " bytes exceeds the limit of "
                        + std::to_string(m_limits.string_bytes_max));
        }
        return add_value(json(std::move(value)));
    }

    bool binary(json::binary_t& /*value*/)
    {
        // Only the binary formats (CBOR, ...) produce these; JSON text cannot.
        return fail("unexpected binary value");
    }

    bool start_object(std::size_t /*size_hint*/) { return open(json::object()); }
    bool start_array(std::size_t /*size_hint*/) { return open(json::array()); }
    bool end_object() { return close(); }
    bool end_array() { return close(); }

    bool key(json::string_t& key)
    {
        RE_ASSERT(!m_frames.empty());
        Frame& frame = m_frames.back();
        RE_ASSERT(frame.container->is_object());
        if (key.size() > m_limits.string_bytes_max) {
            return fail("key of " + std::to_string(key.size()) + " bytes exceeds the limit");
        }
        frame.key = std::move(key);
        // RFC 8259 §4: with duplicate names "the behavior ... is unpredictable";
        // two peers could read different messages from the same bytes.
        if (frame.container->contains(frame.key)) {
            return fail("duplicate key");
        }
        if (frame.container->size() >= m_limits.object_members_max) {
            return fail("object has more than " + std::to_string(m_limits.object_members_max)
                        + " members");
        }
        return true;
    }

    bool parse_error(std::size_t position, const std::string& /*last_token*/,
                     const nlohmann::detail::exception& exception)
    {
        // nlohmann's text is "[json.exception.parse_error.101] parse error at
        // line 1, column 5: <reason>; last read: '<input>'". Keep the reason,
        // drop the echo of the input, say where instead.
        std::string_view reason = exception.what();
        if (std::size_t id_end = reason.find("] "); id_end != std::string_view::npos) {
            reason.remove_prefix(id_end + 2);
        }
        if (reason.starts_with("parse error")) {
            if (std::size_t colon = reason.find(": "); colon != std::string_view::npos) {
                reason.remove_prefix(colon + 2);
            }
        }
        if (std::size_t echo = reason.find("; last read"); echo != std::string_view::npos) {
            reason = reason.substr(0, echo);
        }
        // The one reason that quotes the input itself: "number overflow
        // parsing '1e400'", where the number can be as long as the body.
        constexpr std::string_view k_overflow = "number overflow";
        if (reason.starts_with(k_overflow)) {
            reason = k_overflow;
        }
        m_error = "invalid JSON at byte " + std::to_string(position) + where_suffix() + ": "
                  + escape_excerpt(reason, k_reason_bytes_max);
        return false;
    }

    bool failed() const { return !m_error.empty(); }
    const std::string& error() const { return m_error; }
    json take_root() { return std::move(m_root); }

private:
    /// " in field 'entries[2].term'", or nothing at the top level.
    std::string where_suffix() const
    {
        std::string path;
        for (const Frame& frame : m_frames) {
            if (frame.container->is_object()) {
                // Between members there is no current key (a key itself is
                // being read): name the object alone.
                if (frame.key.empty()) {
                    continue;
                }
                if (!path.empty()) {
                    path += '.';
                }
                // Keys come from the input: quote them like any input.
                path += escape_excerpt(frame.key);
            } else {
                // The element being parsed is the next one, or the last one
                // when it is itself an open container.
                std::size_t index = frame.container->size();
                if (&frame != &m_frames.back()) {
                    index -= 1;
                }
                path += '[' + std::to_string(index) + ']';
            }
        }
        return path.empty() ? std::string{} : " in field '" + path + "'";
    }

    bool fail(const std::string& what)
    {
        m_error = (m_frames.empty() ? std::string("top-level value") : "value" + where_suffix())
                  + ": " + what;
        return false;
    }

    /// Places a complete value in the open container (or as the root) and
    /// returns false when a limit refuses it.
    bool add_value(json&& value)
    {
        json* unused = nullptr;
        if (!place(std::move(value), unused)) {
            return false;
        }
        forget_member_key();
        return true;
    }

    /// The member of the innermost object is complete; its key no longer
    /// says where the parser is.
    void forget_member_key()
    {
        if (!m_frames.empty() && m_frames.back().container->is_object()) {
            m_frames.back().key.clear();
        }
    }

    bool place(json&& value, json*& placed)
    {
        if (m_values_count >= m_limits.values_max) {
            return fail("document has more than " + std::to_string(m_limits.values_max)
                        + " values");
        }
        ++m_values_count;
        if (m_frames.empty()) {
            RE_ASSERT(m_root.is_null());
            m_root = std::move(value);
            placed = &m_root;
            return true;
        }
        json& container = *m_frames.back().container;
        if (container.is_array()) {
            if (container.size() >= m_limits.array_elements_max) {
                return fail("array has more than " + std::to_string(m_limits.array_elements_max)
                            + " elements");
            }
            container.push_back(std::move(value));
            placed = &container.back();
            return true;
        }
        RE_ASSERT(container.is_object());
        json& slot = container[m_frames.back().key];
        slot = std::move(value);
        placed = &slot;
        return true;
    }

    bool open(json&& container)
    {
        // Checked before anything is allocated for the new level, so deep
        // input is refused at the first bracket past the limit.
        if (m_frames.size() + 1 > m_limits.nesting_depth_max) {
            return fail("nesting deeper than " + std::to_string(m_limits.nesting_depth_max));
        }
        json* placed = nullptr;
        if (!place(std::move(container), placed)) {
            return false;
        }
        // Pointers into the tree stay valid: a container only grows while
        // it is the innermost open one, and parents never move a child
        // that is still open (arrays are appended to after it closes).
        m_frames.push_back(Frame{placed, {}});
        return true;
    }

    bool close()
    {
        RE_ASSERT(!m_frames.empty());
        m_frames.pop_back();
        forget_member_key();
        return true;
    }

    const JsonLimits& m_limits;
    json m_root;
    std::vector<Frame> m_frames;
    std::size_t m_values_count = 0;
    std::string m_error;
};

} // namespace

util::Result<nlohmann::json> parse_bounded_json(std::string_view text, const JsonLimits& limits)
{
    RE_ASSERT(limits.nesting_depth_max > 0);
    RE_ASSERT(limits.values_max > 0);
    BoundedBuilder builder(limits);
    bool parsed = false;
    try {
        parsed = json::sax_parse(text.data(), text.data() + text.size(), &builder,
                                 json::input_format_t::json, /*strict=*/true,
                                 /*ignore_comments=*/false);
    } catch (const json::exception& exception) {
        // The SAX parser reports through parse_error(); this is a safety net
        // so that nothing nlohmann throws can escape into the node loop.
        return util::make_error(util::ErrorCode::invalid_argument,
                                "invalid JSON: " + excerpt(exception.what()));
    }
    if (!parsed) {
        RE_ASSERT(builder.failed());
        return util::make_error(util::ErrorCode::invalid_argument, builder.error());
    }
    RE_ASSERT(!builder.failed());
    return builder.take_root();
}

} // namespace raftescort::transport::http
