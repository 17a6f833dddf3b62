// Decodes a task's InputSources and Publisher (internal to jobspec/) into canonical
// SpecConfigs (see models/spec_config.h), validating each Params field with its line.
//
//   InputSources[i]: {Target, Alias, Source: {Type, Params}}
//     local | localDirectory   {SourcePath, ReadWrite, CreateAs: noCreate|dir|file}
//     s3                       {Bucket, Key, Filter, Region, Endpoint, VersionID,
//                               ChecksumSHA256, Partition: {Type, Pattern, StartIndex,
//                               EndIndex, DateFormat}}
//   Publisher: {Type, Params}
//     local                    no Params
//     s3                       {Bucket, Key, Endpoint, Region, Encoding: gzip|plain}
// Other types (urlDownload, ipfs, s3managed, ...) are errors listing the supported ones.
//
// Thread-safety: pure functions over the given Problems.
#pragma once

#include <optional>
#include <string>

#include "jobspec/yaml_reader.h"
#include "models/task.h"

namespace shoal::jobspec {

// nullopt when the entry is unusable (errors recorded).
std::optional<models::InputSource> DecodeInputSource(Problems& problems, const YAML::Node& node,
                                                     const std::string& path);

// An empty SpecConfig when `node` is absent (the orchestrator's default publisher).
std::optional<models::SpecConfig> DecodePublisher(Problems& problems, const YAML::Node& node,
                                                  const std::string& path);

}  // namespace shoal::jobspec
