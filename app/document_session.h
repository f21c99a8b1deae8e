#pragma once

#include "annotation/edit_journal.h"
#include "annotation/label_document.h"

#include <QObject>
#include <QSet>
#include <memory>
#include <optional>

class QWidget;

namespace segstudio {

class RasterSource;

// The life of one labeling document in the application: its creation from an opened image and
// mask, the autosave journal (written as the user edits, offered for restore after a crash,
// cleared once the edits are saved or discarded), saving on a worker thread, and importing a
// mask file as an undoable edit. Files are only ever read or written on worker threads.
class DocumentSession : public QObject {
    Q_OBJECT
public:
    enum class RestorePolicy { Ask, Restore, Discard };

    // What a worker thread reads for a document: the mask (or none yet), its palette, and a
    // journal left behind by a crash.
    struct Loaded {
        QString imagePath;
        QString maskPath;
        std::optional<LabelMask> mask; // empty when the mask could not be read
        ClassPalette palette;
        QString maskError;
        std::optional<EditJournal::Contents> journal;
    };
    // A project's image: its mask is read from `readFrom` until `maskPath` exists (a mask that
    // came with the image), and decoded with the project's classes.
    struct LoadOptions {
        QString readFrom;
        std::optional<ClassPalette> palette;
    };
    static Loaded load(const RasterSource& image, const QString& maskPath, const QString& journalDirectory,
                       const LoadOptions& options = {});

    DocumentSession(const QString& journalDirectory, QWidget* dialogParent, QObject* parent = nullptr);
    ~DocumentSession() override;

    void setRestorePolicy(RestorePolicy policy) { m_policy = policy; }
    // Replaces the current document (GUI thread).
    void start(std::shared_ptr<const RasterSource> image, const Loaded& loaded);
    LabelDocument* document() const { return m_document.get(); }
    QString journalPath() const { return m_journal ? m_journal->path() : QString(); }
    EditJournal* journal() const { return m_journal.get(); }
    bool isRestorePending() const { return m_restorePending; }

    // Saves to the document's mask path; false (and needsPath()) when it has none.
    bool save();
    void saveAs(const QString& path);
    bool isSaving() const { return m_saving; }
    // Reads a mask file on a worker and makes it the document's mask in one undoable step.
    void importMask(const QString& path);
    // The user closes the document: its journal goes (the edits were saved or discarded).
    void discardJournal();

Q_SIGNALS:
    void documentChanged(segstudio::LabelDocument* document);
    void ready(); // the document is set up and any restore question answered
    void needsPath();
    void saved(const QString& path);
    void saveFailed(const QString& message);
    void importFailed(const QString& message);
    void journalRestored(int tiles);
    void message(const QString& text);

private:
    struct SaveResult {
        bool ok = false;
        QString error;
    };
    void startJournal();
    void askRestore(const EditJournal::Contents& contents);
    void finishRestore(bool restore);
    void logTiles(const QList<EncodedTile>& tiles);
    void relogDirtyTiles();

    QString m_journalDirectory;
    QWidget* m_dialogParent;
    RestorePolicy m_policy = RestorePolicy::Ask;
    std::unique_ptr<LabelDocument> m_document;
    std::unique_ptr<EditJournal> m_journal;
    std::optional<EditJournal::Contents> m_pendingJournal;
    bool m_restorePending = false;
    // Tiles changed since the last save began: what the journal must hold after a reset.
    QSet<quint64> m_dirtyTiles;
    QSet<quint64> m_savingTiles;
    bool m_saving = false;
    quint64 m_generation = 0; // a new document makes results of older work stale
};

} // namespace segstudio
