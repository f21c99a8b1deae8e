#include "storage/atomic_file.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

namespace segstudio::storage {
namespace fs = std::filesystem;

namespace {

bool fail(std::string* error, const std::string& why) {
    if (error)
        *error = why;
    return false;
}

std::string randomSuffix() {
    static thread_local std::mt19937_64 generator{std::random_device{}()};
    static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    std::string suffix;
    for (int i = 0; i < 12; ++i)
        suffix += digits[generator() % 36];
    return suffix;
}

std::string folderOf(const std::string& path) {
    const fs::path parent = fs::path(path).parent_path();
    return parent.empty() ? std::string(".") : parent.string();
}

// The rename is in the folder's entry: fsync of the folder makes it survive a power cut.
void syncFolder(const std::string& folder) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

// A hard link to `path` under a fresh name, so the old file can come back; empty when there is
// no old file or the file system has no hard links (then a failed group keeps what it has).
std::string keepOld(const std::string& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode))
        return {};
    for (int attempt = 0; attempt < 16; ++attempt) {
        const std::string backup = path + ".old-" + randomSuffix();
        if (::link(path.c_str(), backup.c_str()) == 0)
            return backup;
        if (errno != EEXIST)
            return {};
    }
    return {};
}

// Live temporaries, readable from a signal handler: a slot is published (state 2) only once its
// path is complete, and a handler touches published slots only.
constexpr int TemporarySlots = 64;
struct TemporarySlot {
    std::atomic<int> state{0}; // 0 free, 1 being written, 2 published
    char path[4096];
};
TemporarySlot g_temporaries[TemporarySlots];

void publishTemporary(const std::string& path) {
    if (path.size() >= sizeof(TemporarySlot::path))
        return;
    for (TemporarySlot& slot : g_temporaries) {
        int expected = 0;
        if (slot.state.compare_exchange_strong(expected, 1)) {
            std::memcpy(slot.path, path.c_str(), path.size() + 1);
            slot.state = 2;
            return;
        }
    }
}

void withdrawTemporary(const std::string& path) {
    for (TemporarySlot& slot : g_temporaries) {
        int expected = 2;
        if (slot.state.load() == 2 && path == slot.path && slot.state.compare_exchange_strong(expected, 1))
            slot.state = 0;
    }
}

extern "C" void removeTemporariesAndDie(int signalNumber) {
    for (TemporarySlot& slot : g_temporaries)
        if (slot.state.load() == 2)
            ::unlink(slot.path); // async-signal-safe
    ::signal(signalNumber, SIG_DFL);
    ::raise(signalNumber);
}

} // namespace

void removeTemporariesOnSignal() {
    for (int signalNumber : {SIGTERM, SIGINT, SIGHUP}) {
        struct sigaction action {};
        action.sa_handler = removeTemporariesAndDie;
        sigemptyset(&action.sa_mask);
        ::sigaction(signalNumber, &action, nullptr);
    }
}

std::string describeWriteError(int errorNumber) {
    switch (errorNumber) {
    case ENOSPC:
    case EDQUOT:
        return "the disk is full";
    case EFBIG:
        return "the file would be larger than this system allows (a file size limit or a full disk)";
    case EACCES:
    case EPERM:
        return "no permission to write there";
    case EROFS:
        return "the disk is read-only";
    case ENOENT:
        return "the folder does not exist";
    case ENOTDIR:
        return "a part of the path is a file, not a folder";
    case EISDIR:
        return "it is a folder";
    case EIO:
        return "the disk reported an input/output error";
    default:
        return std::strerror(errorNumber);
    }
}

PendingFile::~PendingFile() {
    discard();
}

bool PendingFile::create(const std::string& target, std::string* error) {
    discard();
    const std::string name = fs::path(target).filename().string();
    if (name.empty() || name == "." || name == "..")
        return fail(error, "cannot write " + target + ": it names a folder, not a file");
    for (int attempt = 0; attempt < 16; ++attempt) {
        // Dot-prefixed: a folder listing (or our own mask scans) does not take it for data.
        const std::string candidate = folderOf(target) + "/." + name + ".tmp-" + randomSuffix();
        const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd >= 0) {
            m_target = target;
            m_temporary = candidate;
            m_fd = fd;
            publishTemporary(candidate);
            return true;
        }
        if (errno != EEXIST)
            return fail(error, "cannot write " + target + ": " + describeWriteError(errno));
    }
    return fail(error, "cannot write " + target + ": no free temporary name in its folder");
}

bool PendingFile::write(const void* data, std::size_t size, std::string* error) {
    const char* bytes = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t written = ::write(m_fd, bytes, size);
        if (written < 0 && errno == EINTR)
            continue;
        if (written <= 0)
            return fail(error,
                        "cannot write " + m_target + ": " + describeWriteError(written < 0 ? errno : ENOSPC));
        bytes += written;
        size -= std::size_t(written);
    }
    return true;
}

bool PendingFile::finish(std::string* error) {
    int fd = m_fd;
    m_fd = -1;
    if (fd < 0) // written by another library: open it again to flush it
        fd = ::open(m_temporary.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return fail(error, "cannot write " + m_target + ": " + describeWriteError(errno));
    const bool synced = ::fsync(fd) == 0;
    const int syncError = errno;
    const bool closed = ::close(fd) == 0;
    if (!synced || !closed)
        return fail(error,
                    "cannot write " + m_target + ": " + describeWriteError(synced ? errno : syncError));
    return true;
}

bool PendingFile::commit(std::string* error) {
    return commitGroup({this}, error);
}

void PendingFile::discard() {
    if (m_fd >= 0) {
        ::close(m_fd);
        m_fd = -1;
    }
    if (!m_temporary.empty()) {
        ::unlink(m_temporary.c_str());
        withdrawTemporary(m_temporary);
        m_temporary.clear();
    }
}

bool commitGroup(const std::vector<PendingFile*>& files, std::string* error) {
    for (PendingFile* file : files)
        if (file->m_fd >= 0 && !file->finish(error))
            return false;
    std::vector<std::string> backups;
    for (PendingFile* file : files)
        backups.push_back(files.size() > 1 ? keepOld(file->m_target) : std::string());
    std::size_t done = 0;
    int renameError = 0;
    for (; done < files.size(); ++done) {
        if (std::rename(files[done]->m_temporary.c_str(), files[done]->m_target.c_str()) != 0) {
            renameError = errno;
            break;
        }
        withdrawTemporary(files[done]->m_temporary);
        files[done]->m_temporary.clear();
    }
    if (done < files.size()) {
        // Put back what the group had replaced so far, newest first.
        for (std::size_t i = done; i-- > 0;) {
            if (!backups[i].empty())
                std::rename(backups[i].c_str(), files[i]->m_target.c_str());
            else
                ::unlink(files[i]->m_target.c_str());
        }
        for (std::size_t i = done; i < backups.size(); ++i)
            if (!backups[i].empty())
                ::unlink(backups[i].c_str());
        for (PendingFile* file : files)
            file->discard();
        return fail(error,
                    "cannot replace " + files[done]->m_target + ": " + describeWriteError(renameError));
    }
    for (const std::string& backup : backups)
        if (!backup.empty())
            ::unlink(backup.c_str());
    syncFolder(folderOf(files.front()->m_target));
    return true;
}

bool checkCanWrite(const std::string& target, std::string* error) {
    std::error_code ignored;
    const fs::path path(target);
    if (path.filename().empty() || fs::is_directory(path, ignored))
        return fail(error, "cannot write " + target + ": it is a folder, not a file");
    fs::path folder = path.parent_path();
    if (folder.empty())
        folder = ".";
    // The nearest part of the path that exists decides: a file there blocks the folders below.
    while (!fs::exists(folder, ignored) && folder.has_parent_path() && folder.parent_path() != folder)
        folder = folder.parent_path();
    if (!fs::is_directory(folder, ignored))
        return fail(error, "cannot write " + target + ": " + folder.string() + " is a file, not a folder");
    if (::access(folder.c_str(), W_OK | X_OK) != 0)
        return fail(error, "cannot write " + target + ": no permission to write in " + folder.string());
    // access() says yes to root everywhere, and knows nothing of read-only mounts: where the
    // target's own folder exists, creating (and removing) a file there is the real test.
    if (folder == (path.parent_path().empty() ? fs::path(".") : path.parent_path())) {
        PendingFile probe;
        std::string why;
        if (!probe.create(target, &why))
            return fail(error, why);
    }
    return true;
}

bool makeFolders(const std::string& folder, std::string* error) {
    if (folder.empty())
        return true;
    if (!checkCanWrite((fs::path(folder) / "x").string(), error))
        return false;
    std::error_code code;
    fs::create_directories(folder, code);
    if (code)
        return fail(error, "cannot create the folder " + folder + ": " + describeWriteError(code.value()));
    return true;
}

} // namespace segstudio::storage
