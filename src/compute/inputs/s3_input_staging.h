// Staging an `s3` InputSource from an S3 store (StoreConfig::s3): the objects S3KeySelection
// selects are downloaded into the Target, the S3 counterpart of copying them from a folder store
// (input_sources.cc), with the same selection and layout.
//
// A Key that may name one object is looked up with a HEAD; when there is none it is read as
// `Key/`, and a Key that then matches nothing at all is kNotFound naming Key, bucket and store.
// Listings use ListObjectsV2 with the listing prefix; directory markers (keys ending in '/') are
// not staged. VersionID, sent with the GET, is for a single-object Key only. Downloads stream to
// disk (S3Client::GetObjectToFile), kStoreTransferThreads at a time; the stop flag is checked
// between objects. Objects the listing shows as empty are created without a request. A copy
// whose ChecksumSHA256 differs is removed and fails the staging. An object whose path relative to
// the prefix's directory would leave the Target ('..' components, a leading '/') fails it too.
//
// Thread-safety: free function; concurrent calls must use different targets.
#pragma once

#include <atomic>
#include <string>

#include "common/status.h"
#include "compute/inputs/s3_input_selection.h"
#include "compute/node_config.h"

namespace shoal::compute {

// Downloads what `selection` selects from bucket params().bucket of the S3 store `store` into
// `target_dir`. REQUIRES: store.is_s3().
Result<StagedObjects> StageFromS3Store(S3KeySelection selection, const StoreConfig& store,
                                       const std::string& target_dir,
                                       const std::atomic<bool>* stop);

}  // namespace shoal::compute
