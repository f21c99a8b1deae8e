#include "app/map_exports.h"

#include "annotation/area_of_interest.h"
#include "annotation/class_areas.h"
#include "annotation/label_document.h"
#include "annotation/label_polygons.h"
#include "annotation/mask_files.h"
#include "annotation/raster_source.h"
#include "app/document_session.h"
#include "ui/areas_panel.h"

#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMainWindow>
#include <QMenu>
#include <QTemporaryDir>
#include <QtConcurrent>

namespace segstudio {
namespace {

struct ExportResult {
    bool ok = false;
    qint64 features = 0;
    QString error;
};

struct AreasResult {
    bool ok = false;
    AreaReport report;
    QString error;
};

} // namespace

MapExports::MapExports(QMainWindow* window, DocumentSession* session)
    : QObject(window)
    , m_window(window)
    , m_session(session)
    , m_areas(new AreasPanel(window)) {
    auto* dock = new QDockWidget(tr("Areas"), window);
    dock->setObjectName(QStringLiteral("areasDock"));
    dock->setWidget(m_areas);
    window->addDockWidget(Qt::RightDockWidgetArea, dock);
    dock->hide(); // View ▸ Areas shows it
    connect(m_areas, &AreasPanel::measureRequested, this, &MapExports::measureAreas);
    connect(dock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
        if (visible)
            measureAreas();
    });
}

void MapExports::installExport(QMenu* file) {
    QAction* action = file->addAction(tr("Export &Polygons…"), this, &MapExports::askForPolygonsPath);
    action->setObjectName(QStringLiteral("exportPolygons"));
}

void MapExports::installAreasToggle(QMenu* view) {
    if (auto* dock = m_window->findChild<QDockWidget*>(QStringLiteral("areasDock")))
        view->addAction(dock->toggleViewAction());
}

void MapExports::askForPolygonsPath() {
    const LabelDocument* document = m_session->document();
    if (!document)
        return;
    const QFileInfo image(document->image()->info().path);
    const QString path =
        QFileDialog::getSaveFileName(m_window, tr("Export Polygons"),
                                     image.dir().filePath(image.completeBaseName() + QStringLiteral(".gpkg")),
                                     tr("GeoPackage (*.gpkg);;GeoJSON (*.geojson)"));
    if (!path.isEmpty())
        exportPolygons(path);
}

void MapExports::exportPolygons(const QString& path) {
    const LabelDocument* document = m_session->document();
    if (!document) {
        Q_EMIT exportFailed(tr("Open an image first."));
        return;
    }
    const Georeference georeference = document->image()->georeference();
    if (!georeference.isValid() || !georeference.hasCrs()) {
        Q_EMIT exportFailed(
            tr("The image has no georeference (CRS and geotransform): its polygons would have no "
               "place on a map."));
        return;
    }
    // The snapshot shares tiles copy-on-write: cheap here, safe to read on the worker.
    auto mask = std::make_shared<const LabelMask>(document->mask());
    const ClassPalette palette = document->palette();
    Q_EMIT message(tr("Exporting polygons to %1…").arg(QFileInfo(path).fileName()), 0);
    auto* watcher = new QFutureWatcher<ExportResult>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, path] {
        watcher->deleteLater();
        const ExportResult result = watcher->result();
        if (!result.ok) {
            Q_EMIT message(QString(), 0);
            Q_EMIT exportFailed(result.error);
            return;
        }
        Q_EMIT message(
            tr("Exported %n polygon(s) to %1", nullptr, int(result.features)).arg(QFileInfo(path).fileName()),
            8000);
        Q_EMIT polygonsExported(path, result.features);
    });
    watcher->setFuture(QtConcurrent::run(
        [mask, palette, georeference, path, credit = document->image()->info().attribution] {
            ExportResult result;
            // The mask as a label GeoTIFF in a private folder, then polygonized like the command line.
            QTemporaryDir scratch;
            const QString raster = scratch.filePath(QStringLiteral("mask.tif"));
            if (!scratch.isValid() ||
                !MaskFiles::save(raster, *mask, palette, georeference, &result.error, credit))
                return result;
            VectorizeResult counts;
            result.ok = LabelPolygons::vectorize(raster, path, palette, {}, &counts, &result.error);
            result.features = counts.features;
            return result;
        }));
}

void MapExports::measureAreas() {
    const LabelDocument* document = m_session->document();
    if (!document)
        return;
    auto mask = std::make_shared<const LabelMask>(document->mask());
    const ClassPalette palette = document->palette();
    const Georeference georeference = document->image()->georeference();
    m_areas->setStatus(tr("Measuring…"));
    auto* watcher = new QFutureWatcher<AreasResult>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        watcher->deleteLater();
        const AreasResult result = watcher->result();
        if (result.ok)
            m_areas->setReport(result.report);
        else
            m_areas->setStatus(result.error);
        Q_EMIT areasMeasured();
    });
    watcher->setFuture(QtConcurrent::run([mask, palette, georeference, region = m_areas->regionPath()] {
        AreasResult result;
        std::unique_ptr<AreaOfInterest> area;
        if (!region.isEmpty() && !(area = AreaOfInterest::open(region, &result.error)))
            return result;
        result.ok =
            ClassAreas::measureMask(*mask, palette, georeference.geoTransform(), georeference.crsWkt(),
                                    georeference.isValid(), result.report, &result.error, area.get());
        return result;
    }));
}

} // namespace segstudio
