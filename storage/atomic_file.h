#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace segstudio::storage {

// A file written under a temporary name that nobody can predict, created exclusively
// (O_CREAT | O_EXCL | O_NOFOLLOW, so never through a link someone planted) in the folder of its
// target, and renamed over the target only by commit(): a reader sees the old file or the new,
// never half of one. Destroyed uncommitted, it removes its temporary.
class PendingFile {
public:
    PendingFile() = default;
    ~PendingFile();
    PendingFile(const PendingFile&) = delete;
    PendingFile& operator=(const PendingFile&) = delete;

    // Creates the temporary beside `target` (whose folder must exist) and opens it for writing.
    bool create(const std::string& target, std::string* error);
    const std::string& targetPath() const { return m_target; }
    const std::string& temporaryPath() const { return m_temporary; }

    // Writes all of `data`; on failure *error says why in words ("the disk is full").
    bool write(const void* data, std::size_t size, std::string* error);
    // Flushes the file to the disk and closes it; for files written by another library under
    // temporaryPath() (GDAL, LibTorch), call it after that library has closed the file.
    bool finish(std::string* error);
    // Renames the temporary over the target and makes the rename durable.
    bool commit(std::string* error);
    // Removes the temporary (nothing happens to the target).
    void discard();

private:
    friend bool commitGroup(const std::vector<PendingFile*>& files, std::string* error);
    std::string m_target;
    std::string m_temporary;
    int m_fd = -1;
};

// Commits several pending files as one group (a model's weights and sidecar, a mask and its
// sidecars): each target is replaced in turn, and when one rename fails the targets already
// replaced get their old files back (kept as hard links until the group is in place), so the
// folder holds the whole old group or the whole new one.
bool commitGroup(const std::vector<PendingFile*>& files, std::string* error);

// Installs handlers for SIGTERM, SIGINT and SIGHUP that remove every temporary a PendingFile
// holds before the process ends as the signal asks: a killed run leaves no half-written files.
void removeTemporariesOnSignal();

// A failed write's errno in words a person understands ("the disk is full", "no permission").
std::string describeWriteError(int errorNumber);

// Checked before any work starts: `target` could be written (it is not a folder, and the
// nearest existing folder above it is a folder we may write in). False with *error otherwise.
bool checkCanWrite(const std::string& target, std::string* error);

// Creates `folder` and its parents; false with *error naming the part that is in the way (a
// file where a folder should be, a folder without write permission).
bool makeFolders(const std::string& folder, std::string* error);

} // namespace segstudio::storage
