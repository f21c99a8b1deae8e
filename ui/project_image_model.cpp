#include "ui/project_image_model.h"

#include "annotation/dataset_project.h"
#include "annotation/raster_source.h"

#include <QFileInfo>
#include <QFont>
#include <QFutureWatcher>
#include <QPointer>
#include <QtConcurrent>

namespace segstudio {
namespace {

// Reads the file: worker threads only.
QImage makeThumbnail(const QString& path) {
    QString error;
    const auto source = RasterSource::open(path, &error);
    if (!source)
        return {};
    int level = source->levelCount() - 1;
    while (level > 0 && std::max(source->levelSize(level).width(), source->levelSize(level).height()) <
                            ProjectImageModel::ThumbnailSize)
        --level;
    const QImage image = source->renderWindow(level, QRect(QPoint(0, 0), source->levelSize(level)),
                                              source->defaultDisplay(), &error);
    if (image.isNull())
        return {};
    return image.scaled(ProjectImageModel::ThumbnailSize, ProjectImageModel::ThumbnailSize,
                        Qt::KeepAspectRatio, Qt::SmoothTransformation);
}

} // namespace

ProjectImageModel::ProjectImageModel(QObject* parent)
    : QAbstractListModel(parent) {
    m_pool.setMaxThreadCount(1);
}

ProjectImageModel::~ProjectImageModel() = default;

void ProjectImageModel::setProject(const DatasetProject* project) {
    beginResetModel();
    m_project = project;
    m_current = -1;
    ++m_generation;
    m_thumbnails.clear();
    m_pending.clear();
    endResetModel();
}

void ProjectImageModel::setCurrent(int index) {
    const int previous = m_current;
    m_current = index;
    for (int row : {previous, index})
        if (row >= 0 && row < rowCount())
            Q_EMIT dataChanged(this->index(row), this->index(row));
}

void ProjectImageModel::imageChanged(int index) {
    if (index >= 0 && index < rowCount())
        Q_EMIT dataChanged(this->index(index), this->index(index));
}

int ProjectImageModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_project ? 0 : m_project->size();
}

QVariant ProjectImageModel::data(const QModelIndex& index, int role) const {
    if (!m_project || !index.isValid() || index.row() >= m_project->size())
        return {};
    const int row = index.row();
    const ProjectImage& image = m_project->image(row);
    switch (role) {
    case Qt::DisplayRole: {
        QString details = statusName(image.status);
        if (!image.size.isEmpty())
            details += QStringLiteral(" · %1 × %2").arg(image.size.width()).arg(image.size.height());
        if (image.changedShare >= 0)
            details += tr(" · %1 % changed").arg(image.changedShare * 100, 0, 'f', 1);
        if (image.referenceMiou >= 0)
            details += tr(" · mIoU %1").arg(image.referenceMiou, 0, 'f', 3);
        // Datasets repeat file names across folders (tile_1/images/a.jpg, tile_2/images/a.jpg).
        const QFileInfo file(image.image);
        const QString name = file.path() == QLatin1String(".")
                                 ? file.fileName()
                                 : QStringLiteral("%1  (%2)").arg(file.fileName(), file.path());
        return QStringLiteral("%1\n%2").arg(name, details);
    }
    case Qt::ToolTipRole:
        return image.image;
    case Qt::DecorationRole: {
        if (const QImage* thumbnail = m_thumbnails.object(row))
            return *thumbnail;
        requestThumbnail(row);
        return {};
    }
    case Qt::FontRole: {
        QFont font;
        font.setBold(row == m_current);
        return font;
    }
    case StatusRole:
        return int(image.status);
    case ImageIndexRole:
        return row;
    case ReferenceMiouRole:
        return image.referenceMiou;
    default:
        return {};
    }
}

void ProjectImageModel::requestThumbnail(int index) const {
    if (m_pending.contains(index))
        return;
    m_pending.insert(index);
    auto* self = const_cast<ProjectImageModel*>(this);
    auto* watcher = new QFutureWatcher<QImage>(self);
    const quint64 generation = m_generation;
    connect(watcher, &QFutureWatcherBase::finished, self, [self, watcher, index, generation] {
        watcher->deleteLater();
        if (generation != self->m_generation)
            return;
        self->m_pending.remove(index);
        // A file that cannot be read gets an empty thumbnail, asked for again only when the
        // cache has dropped it.
        self->m_thumbnails.insert(index, new QImage(watcher->result()));
        self->imageChanged(index);
        Q_EMIT self->thumbnailReady(index);
    });
    watcher->setFuture(
        QtConcurrent::run(&m_pool, makeThumbnail, m_project->absolute(m_project->image(index).image)));
}

} // namespace segstudio
