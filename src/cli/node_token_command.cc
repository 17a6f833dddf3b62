// `shoal node token issue|revoke|list`: per-node tokens, edited in the node-tokens file the
// orchestrator reads (serve --node-tokens-file; format in transport/node_tokens.h). These run
// where that file lives, as its owner, and never talk to the orchestrator: whoever holds the
// client token cannot mint node tokens through the API. The orchestrator re-reads the file
// within a second, so issuing and revoking need no restart. No command prints a token.
#include <iostream>
#include <memory>

#include "cli/api_support.h"
#include "cli/command.h"
#include "transport/node_tokens.h"

namespace shoal::cli {

namespace {

constexpr const char* kTokensFileVariable = "SHOAL_NODE_TOKENS_FILE";

// Bad input (a name, a broken file) is the user's to fix (2); the rest failed (1).
int ExitCodeFor(const Status& status) {
  return status.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
}

int Issue(const std::string& name, const std::string& tokens_file, std::string token_file) {
  constexpr std::string_view kCommand = "shoal node token issue";
  if (token_file.empty()) token_file = name + ".token";
  Result<transport::IssuedToken> issued = transport::IssueNodeToken(tokens_file, name, token_file);
  if (!issued.ok()) return ReportError(kCommand, issued.status(), ExitCodeFor(issued.status()));
  std::cout << "issued a new token for node " << name
            << (issued->replaced ? " (its previous token no longer works)" : "") << "\n"
            << "  token:  " << token_file
            << " (mode 0600): copy it to the node and start it with --name " << name
            << " --node-token-file FILE\n"
            << "  digest: in " << tokens_file
            << " (an orchestrator started with --node-tokens-file " << tokens_file
            << " accepts it within a second)\n";
  return kExitOk;
}

int Revoke(const std::string& name, const std::string& tokens_file) {
  constexpr std::string_view kCommand = "shoal node token revoke";
  Status revoked = transport::RevokeNodeToken(tokens_file, name);
  if (!revoked.ok()) return ReportError(kCommand, revoked, ExitCodeFor(revoked));
  std::cout << "revoked node " << name << "'s token: removed from " << tokens_file
            << "; the orchestrator refuses it within a second (`shoal node reject " << name
            << "` also stops the name receiving work)\n";
  return kExitOk;
}

int ListTokens(const std::string& tokens_file) {
  auto entries = transport::ReadNodeTokens(tokens_file, "--tokens-file");
  if (!entries.ok()) {
    return ReportError("shoal node token list", entries.status(), ExitCodeFor(entries.status()));
  }
  for (const transport::NodeTokenEntry& entry : *entries) std::cout << entry.name << "\n";
  return kExitOk;
}

struct TokenFlags {
  std::string name;
  std::string tokens_file;
  std::string token_file;
};

CLI::Option* AddTokensFileOption(CLI::App* verb, std::string& tokens_file) {
  return verb
      ->add_option("--tokens-file", tokens_file,
                   "the node-tokens file the orchestrator reads (serve --node-tokens-file)")
      ->envname(kTokensFileVariable)
      ->required();
}

}  // namespace

void AddNodeTokenCommand(CLI::App& node, int& exit_code) {
  CLI::App* token = node.add_subcommand(
      "token", "Issue, revoke and list per-node tokens (in the orchestrator's node-tokens file)");
  token->require_subcommand(1);

  auto issue = std::make_shared<TokenFlags>();
  CLI::App* verb = token->add_subcommand(
      "issue",
      "Make a new token for a node: the token to a 0600 file, its digest to the node-tokens file");
  verb->add_option("name", issue->name, "the node's name (its serve --name)")->required();
  AddTokensFileOption(verb, issue->tokens_file);
  verb->add_option("--out", issue->token_file,
                   "where to write the token (mode 0600; default NAME.token)");
  verb->callback([issue, &exit_code] {
    exit_code = Issue(issue->name, issue->tokens_file, issue->token_file);
  });

  auto revoke = std::make_shared<TokenFlags>();
  verb = token->add_subcommand("revoke", "Remove a node's token: the node can no longer connect");
  verb->add_option("name", revoke->name, "the node's name")->required();
  AddTokensFileOption(verb, revoke->tokens_file);
  verb->callback([revoke, &exit_code] { exit_code = Revoke(revoke->name, revoke->tokens_file); });

  auto list = std::make_shared<TokenFlags>();
  verb = token->add_subcommand("list", "The nodes that have a token");
  AddTokensFileOption(verb, list->tokens_file);
  verb->callback([list, &exit_code] { exit_code = ListTokens(list->tokens_file); });
}

}  // namespace shoal::cli
