#pragma once

#include <QAbstractListModel>
#include <QCache>
#include <QImage>
#include <QSet>
#include <QThreadPool>

namespace segstudio {

class DatasetProject;

// The images of a project as a list: name, status, size, mIoU against a reference and a thumbnail. Thumbnails
// are made when a row is first shown, on a worker thread (the image's coarsest overview that is large
// enough), and kept in a cache of a bounded number, so a project of 10 000 images costs memory
// for the rows on screen, not for all of them. The project is owned elsewhere (the window's
// project browser) and outlives the model's use of it.
class ProjectImageModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { StatusRole = Qt::UserRole + 1, ImageIndexRole, ReferenceMiouRole };
    static constexpr int ThumbnailSize = 64;

    explicit ProjectImageModel(QObject* parent = nullptr);
    ~ProjectImageModel() override;

    void setProject(const DatasetProject* project); // resets; null for none
    const DatasetProject* project() const { return m_project; }
    void setCurrent(int index); // shown in bold
    int current() const { return m_current; }
    // The entry of image `index` changed (status, size, figures).
    void imageChanged(int index);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;

Q_SIGNALS:
    void thumbnailReady(int index);

private:
    void requestThumbnail(int index) const;

    const DatasetProject* m_project = nullptr;
    int m_current = -1;
    quint64 m_generation = 0; // thumbnails of a previous project are dropped
    mutable QCache<int, QImage> m_thumbnails{400};
    mutable QSet<int> m_pending;
    // One thread of its own: thumbnails never hold up the canvas's tile loading.
    mutable QThreadPool m_pool;
};

} // namespace segstudio
