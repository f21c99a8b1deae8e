#include "app/document_session.h"

#include "annotation/mask_files.h"
#include "annotation/raster_source.h"
#include "annotation/tile_codec.h"
#include "app/jobs/app_paths.h"
#include "app/jobs/settings.h"

#include <QFileInfo>
#include <QFutureWatcher>
#include <QMessageBox>
#include <QPushButton>
#include <QStandardPaths>
#include <QtConcurrent>

namespace segstudio {
namespace {

quint64 tileKey(int tileX, int tileY) {
    return (quint64(quint32(tileY)) << 32) | quint32(tileX);
}

} // namespace

DocumentSession::Loaded DocumentSession::load(const RasterSource& image, const QString& maskPath,
                                              const QString& journalDirectory, const LoadOptions& options) {
    Loaded loaded;
    loaded.imagePath = image.info().path;
    loaded.maskPath = maskPath;
    loaded.palette = options.palette.value_or(ClassPalette::dubaiAerial());
    const QString readFrom =
        QFileInfo::exists(maskPath) || options.readFrom.isEmpty() ? maskPath : options.readFrom;
    if (!maskPath.isEmpty()) {
        QString error;
        if (auto palette = MaskFiles::loadPaletteSidecar(readFrom, &error))
            loaded.palette = *palette;
        if (!error.isEmpty()) {
            loaded.maskError = error;
        } else if (QFileInfo::exists(readFrom)) {
            // A mask too large for the memory budget is read into a scratch file, not memory.
            loaded.mask = MaskFiles::loadWithin(readFrom, image.size(), loaded.palette,
                                                Settings::load().maskMemoryBytes, tileScratchFolder(),
                                                &loaded.maskError);
        } else {
            loaded.mask = LabelMask(image.size()); // created on the first save
        }
    } else {
        loaded.mask = LabelMask(image.size());
    }
    if (!loaded.mask)
        loaded.maskPath.clear(); // never save over a mask we could not read
    const QString journal = EditJournal::pathFor(journalDirectory, loaded.imagePath, loaded.maskPath);
    if (QFileInfo::exists(journal)) {
        QString error;
        loaded.journal = EditJournal::read(journal, &error);
        if (loaded.journal && loaded.journal->header.size != image.size())
            loaded.journal.reset();
    }
    return loaded;
}

DocumentSession::DocumentSession(const QString& journalDirectory, QWidget* dialogParent, QObject* parent)
    : QObject(parent)
    , m_journalDirectory(journalDirectory)
    , m_dialogParent(dialogParent) {
}

DocumentSession::~DocumentSession() {
    // A document with unsaved edits keeps its journal: it is what a crash would have left.
    if (m_document && !m_document->isModified() && m_journal && !m_restorePending)
        m_journal->remove();
    m_journal.reset(); // waits for its writes
}

void DocumentSession::start(std::shared_ptr<const RasterSource> image, const Loaded& loaded) {
    ++m_generation;
    if (m_document && !m_document->isModified() && m_journal && !m_restorePending)
        m_journal->remove();
    m_journal.reset();
    m_dirtyTiles.clear();
    m_savingTiles.clear();
    m_restorePending = false;
    std::unique_ptr<LabelDocument> previous = std::move(m_document);
    m_document =
        std::make_unique<LabelDocument>(loaded.mask.value_or(LabelMask(image->size())), loaded.palette);
    m_document->setImage(std::move(image));
    m_document->setMaskPath(loaded.maskPath);
    // The undo memory bound is a setting ([undo] max_megabytes, min_depth).
    const Settings settings = Settings::load();
    m_document->history().setLimits(settings.undoMaxBytes, settings.undoMinDepth);
    m_document->setMemoryBudget(settings.maskMemoryBytes);
    // Predicted tiles nobody looks at may leave memory for a scratch file (unnamed: a crash
    // leaves nothing there).
    m_document->setTileStoreFolder(tileScratchFolder());
    connect(m_document.get(), &LabelDocument::tilesStored, this, &DocumentSession::logTiles);
    connect(m_document.get(), &LabelDocument::paletteChanged, this, [this] {
        if (m_journal && !m_restorePending)
            m_journal->appendPalette(m_document->palette());
    });
    m_journal = std::make_unique<EditJournal>(
        EditJournal::pathFor(m_journalDirectory, loaded.imagePath, loaded.maskPath));
    Q_EMIT documentChanged(m_document.get());
    previous.reset(); // after the views let go of it

    // Every journal starts with the class list: only tiles or a different class list are edits.
    const bool hasEdits =
        loaded.journal && (!loaded.journal->tiles.isEmpty() ||
                           (loaded.journal->palette && *loaded.journal->palette != loaded.palette));
    if (hasEdits && m_policy != RestorePolicy::Discard) {
        m_pendingJournal = loaded.journal;
        m_restorePending = true;
        if (m_policy == RestorePolicy::Restore)
            finishRestore(true);
        else
            askRestore(*loaded.journal);
        return;
    }
    startJournal();
    Q_EMIT ready();
}

void DocumentSession::startJournal() {
    const LabelMask& mask = m_document->mask();
    m_journal->reset({m_document->image()->info().path, m_document->maskPath(), mask.size()});
    m_journal->appendPalette(m_document->palette());
    relogDirtyTiles();
}

void DocumentSession::askRestore(const EditJournal::Contents& contents) {
    // Non-blocking: the window stays live (and tiles keep loading) while the user decides.
    auto* box = new QMessageBox(QMessageBox::Question, tr("Restore unsaved edits?"),
                                tr("segstudio did not close normally while editing this image. Restore the "
                                   "%n unsaved tile(s) of edits from the autosave journal?",
                                   nullptr, int(contents.tiles.size())),
                                QMessageBox::NoButton, m_dialogParent);
    box->setObjectName(QStringLiteral("restoreJournal"));
    box->setInformativeText(tr("Discarding deletes the journal; the mask file stays as last saved."));
    QPushButton* restore = box->addButton(tr("Restore"), QMessageBox::AcceptRole);
    box->addButton(tr("Discard"), QMessageBox::DestructiveRole);
    box->setDefaultButton(restore);
    box->setAttribute(Qt::WA_DeleteOnClose);
    const quint64 generation = m_generation;
    connect(box, &QMessageBox::finished, this, [this, box, restore, generation] {
        if (generation == m_generation)
            finishRestore(box->clickedButton() == restore);
    });
    box->open();
}

void DocumentSession::finishRestore(bool restore) {
    if (!m_restorePending)
        return;
    m_restorePending = false;
    const std::optional<EditJournal::Contents> contents = std::move(m_pendingJournal);
    m_pendingJournal.reset();
    int tiles = 0;
    if (restore && contents) {
        if (contents->palette)
            m_document->setPalette(*contents->palette, tr("Restore classes"));
        m_document->replaceTiles(contents->tiles, tr("Restore unsaved edits"));
        for (const EncodedTile& tile : contents->tiles)
            m_dirtyTiles.insert(tileKey(tile.tileX, tile.tileY));
        tiles = int(contents->tiles.size());
    }
    // Either way the journal now starts over from the current state.
    startJournal();
    if (restore)
        Q_EMIT journalRestored(tiles);
    Q_EMIT ready();
}

void DocumentSession::logTiles(const QList<EncodedTile>& tiles) {
    for (const EncodedTile& tile : tiles)
        m_dirtyTiles.insert(tileKey(tile.tileX, tile.tileY));
    // While the restore question is open the old journal must stay as it is: what is edited
    // meanwhile is in m_dirtyTiles and is written when the journal restarts.
    if (m_journal && !m_restorePending)
        m_journal->appendTiles(tiles);
}

void DocumentSession::relogDirtyTiles() {
    QList<EncodedTile> tiles;
    for (const quint64 key : std::as_const(m_dirtyTiles)) {
        const int tileX = int(quint32(key));
        const int tileY = int(key >> 32);
        tiles.append({tileX, tileY, TileCodec::encode(m_document->mask().tile(tileX, tileY).get())});
    }
    m_journal->appendTiles(tiles);
}

bool DocumentSession::save() {
    if (!m_document)
        return false;
    if (m_document->maskPath().isEmpty()) {
        Q_EMIT needsPath();
        return false;
    }
    saveAs(m_document->maskPath());
    return true;
}

void DocumentSession::saveAs(const QString& path) {
    if (!m_document || m_saving || m_restorePending)
        return;
    QString error;
    if (!MaskFiles::isSupportedForWriting(path, &error)) {
        Q_EMIT saveFailed(error);
        return;
    }
    if (m_document->isEditing())
        return; // the stroke in progress finishes first
    m_saving = true;
    m_savingTiles = std::move(m_dirtyTiles);
    m_dirtyTiles.clear();
    const int cleanIndex = m_document->history().index();
    const quint64 generation = m_generation;
    // The snapshot shares tiles copy-on-write; this thread owns (and finally drops) it.
    auto snapshot = std::make_shared<const LabelMask>(m_document->mask());
    Q_EMIT message(tr("Saving %1…").arg(QFileInfo(path).fileName()));
    auto* watcher = new QFutureWatcher<SaveResult>(this);
    connect(watcher, &QFutureWatcherBase::finished, this,
            [this, watcher, path, cleanIndex, generation, snapshot] {
                watcher->deleteLater();
                m_saving = false;
                const SaveResult result = watcher->result();
                if (generation != m_generation)
                    return; // another document meanwhile; its own state is intact
                if (!result.ok) {
                    m_dirtyTiles.unite(m_savingTiles);
                    m_savingTiles.clear();
                    Q_EMIT saveFailed(result.error);
                    return;
                }
                m_savingTiles.clear();
                const bool renamed = path != m_document->maskPath();
                if (renamed) {
                    m_journal->remove();
                    m_document->setMaskPath(path);
                    m_journal = std::make_unique<EditJournal>(
                        EditJournal::pathFor(m_journalDirectory, m_document->image()->info().path, path));
                }
                // Clean only if nothing was undone or done since the snapshot.
                if (m_document->history().index() == cleanIndex)
                    m_document->history().setClean();
                startJournal(); // keeps only what changed while saving
                Q_EMIT saved(path);
            });
    watcher->setFuture(QtConcurrent::run([snapshot, palette = m_document->palette(),
                                          georeference = m_document->image()->georeference(),
                                          credit = m_document->image()->info().attribution, path] {
        SaveResult result;
        result.ok = MaskFiles::save(path, *snapshot, palette, georeference, &result.error, credit);
        return result;
    }));
}

void DocumentSession::importMask(const QString& path) {
    if (!m_document)
        return;
    const quint64 generation = m_generation;
    auto* watcher = new QFutureWatcher<std::pair<std::optional<LabelMask>, QString>>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != m_generation)
            return;
        auto [mask, error] = watcher->result();
        if (!mask) {
            Q_EMIT importFailed(error); // the document stays exactly as it was
            return;
        }
        m_document->replaceMask(*mask, tr("Import mask"));
    });
    watcher->setFuture(
        QtConcurrent::run([path, size = m_document->mask().size(), palette = m_document->palette()] {
            QString error;
            auto mask = MaskFiles::load(path, size, palette, &error);
            return std::make_pair(std::move(mask), error);
        }));
}

void DocumentSession::discardJournal() {
    if (m_journal)
        m_journal->remove();
    m_dirtyTiles.clear();
}

} // namespace segstudio
