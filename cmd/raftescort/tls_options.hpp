#pragma once

// The TLS flags of node and proxy: --tls-cert, --tls-key and --tls-ca (or
// RAFTESCORT_TLS_CERT, _KEY, _CA), all three or none.

#include <raftescort/transport/tls.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace raftescort::cmd {

/// Adds the three flags to `command`; `what` says what TLS does for it.
void add_tls_flags(CLI::App& command, const std::shared_ptr<transport::TlsFiles>& files,
                   const std::string& what);

/// Throws CLI::ValidationError (a usage error) when some but not all three
/// are given, naming the missing ones, or when a file cannot be read or the
/// key does not match the certificate, naming the file.
void validate_tls_flags(const transport::TlsFiles& files);

} // namespace raftescort::cmd
