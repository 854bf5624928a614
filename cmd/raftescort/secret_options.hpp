#pragma once

// Secrets on the command line of node, proxy and ctl: a token can come from
// a flag, from a file named by a flag, or from the environment (a value or a
// file), so that none has to sit on a process's argv, where `ps` shows it to
// every user of the machine. Flags win over the environment; a value and a
// file from the same place is a usage error (which one was meant?).

#include <CLI/CLI.hpp>

#include <cstddef>
#include <memory>
#include <string>

namespace raftescort::cmd {

/// The names of one secret's options and variables, and its rule.
struct SecretNames {
    /// "admin token", for messages.
    std::string what;
    /// "--admin-token"; empty when there is no value flag (ctl).
    std::string value_flag;
    /// "--admin-token-file".
    std::string file_flag;
    /// "RAFTESCORT_ADMIN_TOKEN".
    std::string value_variable;
    /// "RAFTESCORT_ADMIN_TOKEN_FILE".
    std::string file_variable;
    /// Shortest value accepted.
    std::size_t chars_min = 1;
};

/// What the flags of one secret held after parsing.
struct SecretFlags {
    std::string value;
    std::string file;
};

/// Adds the secret's flags to `command` (their values land in `flags`).
void add_secret_flags(CLI::App& command, const SecretNames& names,
                      const std::shared_ptr<SecretFlags>& flags, const std::string& description);

/// The secret from the flags, else from the environment; empty when none is
/// given. Throws CLI::ValidationError (a usage error) naming the option or
/// variable and the file: both a value and a file, a file that cannot be
/// read or is empty, a value that breaks the rule.
std::string resolve_secret(const SecretNames& names, const SecretFlags& flags);

/// The first line of the file named by $`variable`; empty when the variable
/// is unset or empty. Throws CLI::ValidationError naming both.
std::string secret_from_file_variable(const std::string& variable);

/// The names of the admin token of node and proxy.
SecretNames admin_token_names();
/// The names of the cluster token of node and proxy.
SecretNames cluster_token_names();

/// The admin token ctl sends, from the first found: --admin-token-file,
/// $RAFTESCORT_ADMIN_TOKEN, $RAFTESCORT_ADMIN_TOKEN_FILE,
/// ${XDG_CONFIG_HOME:-$HOME/.config}/raftescort/admin-token. Empty when none
/// exists. Throws CLI::ValidationError for one that exists but is unusable.
std::string resolve_ctl_admin_token(const std::string& file_flag);

/// ${XDG_CONFIG_HOME:-$HOME/.config}/raftescort/admin-token; empty when
/// neither variable is set.
std::string default_admin_token_path();

} // namespace raftescort::cmd
