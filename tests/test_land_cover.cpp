// Land-cover outputs a mapper takes into a GIS, through the real segstudio-cli: polygons (holes,
// touching classes, regions across processing blocks; rasterized back they are the raster),
// per-class areas on projected and geographic rasters, and the QGIS styles beside them.
#include "annotation/class_areas.h"
#include "annotation/gdal_setup.h"
#include "annotation/qgis_style.h"
#include "http_test_server.h"
#include "small_model.h"
#include "test_support.h"

#include <QBuffer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <QXmlStreamReader>
#include <cmath>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_alg.h>
#include <map>
#include <ogr_api.h>
#include <ogr_srs_api.h>

using namespace segstudio;
using segstudio::test::dataPath;

namespace {

test::ProcessRun cli(const QStringList& arguments) {
    return test::runProcess(QStringLiteral(SEGSTUDIO_CLI), arguments, 300000);
}

constexpr int Width = 700, Height = 600;
constexpr double PixelSide = 0.5; // metres, UTM zone 40N (Dubai)

// Land (1) everywhere; a building (0) square with a courtyard hole of road (2) inside; a
// vegetation (3) island across the 256-px block borders; a water (4) strip touching the building;
// an unlabeled (255) corner.
int fixtureClass(int x, int y) {
    if (x < 40 && y < 40)
        return 255;
    if (x >= 100 && x < 300 && y >= 100 && y < 300) {
        if (x >= 160 && x < 240 && y >= 160 && y < 240)
            return 2;
        return 0;
    }
    if (x >= 300 && x < 330 && y >= 100 && y < 300)
        return 4;
    if ((x - 512) * (x - 512) + (y - 256) * (y - 256) < 60 * 60)
        return 3;
    return 1;
}

bool writeFixture(const QString& path, int epsg, const std::array<double, 6>& transform) {
    test::RasterSpec spec;
    spec.width = Width;
    spec.height = Height;
    spec.geoTransform = transform;
    spec.epsg = epsg;
    spec.noData = 255;
    return test::writeGeoTiff(path, spec, [](int, int x, int y) { return fixtureClass(x, y); });
}

std::map<int, qint64> fixtureCounts() {
    std::map<int, qint64> counts;
    for (int y = 0; y < Height; ++y)
        for (int x = 0; x < Width; ++x)
            ++counts[fixtureClass(x, y)];
    return counts;
}

// The CRS of an EPSG code with easting (longitude) first, as GIS files store coordinates.
OGRSpatialReferenceH spatialReference(int epsg) {
    OGRSpatialReferenceH srs = OSRNewSpatialReference(nullptr);
    OSRImportFromEPSG(srs, epsg);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

// Per pixel of an RGB GeoTIFF whose nodata is 0: whether all three bands hold it (empty on failure).
std::vector<bool> noDataOf(const QString& path) {
    GDALDatasetH image = GDALOpen(path.toUtf8().constData(), GA_ReadOnly);
    if (!image)
        return {};
    const int width = GDALGetRasterXSize(image), height = GDALGetRasterYSize(image);
    std::vector<quint8> rgb(size_t(width) * size_t(height) * 3);
    const CPLErr read = GDALDatasetRasterIO(image, GF_Read, 0, 0, width, height, rgb.data(), width, height,
                                            GDT_Byte, 3, nullptr, 3, 3 * width, 1);
    GDALClose(image);
    std::vector<bool> noData;
    if (read != CE_None)
        return noData;
    for (size_t i = 0; i < rgb.size(); i += 3)
        noData.push_back(rgb[i] == 0 && rgb[i + 1] == 0 && rgb[i + 2] == 0);
    return noData;
}

QByteArray readAll(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// The (value, label, colour) entries of a QGIS paletted raster style, read as plain XML.
QList<std::tuple<int, QString, QString>> paletteEntries(const QByteArray& qml) {
    QList<std::tuple<int, QString, QString>> entries;
    QXmlStreamReader xml(qml);
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QLatin1String("paletteEntry"))
            entries.append({xml.attributes().value(QStringLiteral("value")).toInt(),
                            xml.attributes().value(QStringLiteral("label")).toString(),
                            xml.attributes().value(QStringLiteral("color")).toString()});
    }
    return xml.hasError() ? QList<std::tuple<int, QString, QString>>() : entries;
}

} // namespace

class TestLandCover : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        initializeGdal();
        QVERIFY(m_dir.isValid());
        m_labels = m_dir.filePath(QStringLiteral("labels.tif"));
        QVERIFY(writeFixture(m_labels, 32640, {300000, PixelSide, 0, 2800000, 0, -PixelSide}));
        m_classes = dataPath(QStringLiteral("dubai_aerial/classes.csv"));
        m_plain = m_dir.filePath(QStringLiteral("plain.tif"));
        test::RasterSpec plain;
        QVERIFY(test::writeGeoTiff(m_plain, plain, [](int, int x, int) { return x % 3; }));
    }

    void polygonsAreValidKeepHolesAndRasterizeBackToTheRaster() {
        const QString output = m_dir.filePath(QStringLiteral("polygons.gpkg"));
        const auto run = cli({"vectorize", "--input", m_labels, "--output", output, "--classes", m_classes});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        GDALDatasetH vectors =
            GDALOpenEx(output.toUtf8().constData(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
        QVERIFY(vectors);
        OGRLayerH layer = GDALDatasetGetLayerByName(vectors, "polygons");
        QVERIFY(layer);
        std::map<int, int> features;
        std::map<int, double> areas;
        int buildingHoles = -1;
        OGR_L_ResetReading(layer);
        while (OGRFeatureH feature = OGR_L_GetNextFeature(layer)) {
            const int id = OGR_F_GetFieldAsInteger(feature, OGR_F_GetFieldIndex(feature, "class_id"));
            OGRGeometryH geometry = OGR_F_GetGeometryRef(feature);
            QVERIFY(geometry && OGR_G_IsValid(geometry));
            ++features[id];
            areas[id] += OGR_F_GetFieldAsDouble(feature, OGR_F_GetFieldIndex(feature, "area_m2"));
            QCOMPARE(OGR_G_Area(geometry),
                     OGR_F_GetFieldAsDouble(feature, OGR_F_GetFieldIndex(feature, "area_m2")));
            if (id == 0) {
                QCOMPARE(QString::fromUtf8(
                             OGR_F_GetFieldAsString(feature, OGR_F_GetFieldIndex(feature, "class_name"))),
                         QStringLiteral("Building"));
                buildingHoles = OGR_G_GetGeometryCount(OGR_G_GetGeometryRef(geometry, 0)) - 1;
            }
            OGR_F_Destroy(feature);
        }
        // One region per class: the island across block borders is one polygon, no seams.
        QCOMPARE(features, (std::map<int, int>{{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}}));
        QCOMPARE(buildingHoles, 1);
        const auto counts = fixtureCounts();
        for (const auto& [id, area] : areas)
            QVERIFY2(std::abs(area - counts.at(id) * PixelSide * PixelSide) < 1e-6 * area,
                     qPrintable(QString::number(id)));
        // The style QGIS opens it with: categorised by class_id, our names and colours.
        OGRLayerH styles = GDALDatasetGetLayerByName(vectors, "layer_styles");
        QVERIFY(styles);
        OGRFeatureH style = OGR_L_GetNextFeature(styles);
        QVERIFY(style);
        QCOMPARE(QString::fromUtf8(OGR_F_GetFieldAsString(style, OGR_F_GetFieldIndex(style, "f_table_name"))),
                 QStringLiteral("polygons"));
        const QByteArray qml(OGR_F_GetFieldAsString(style, OGR_F_GetFieldIndex(style, "styleQML")));
        QVERIFY(qml.contains("categorizedSymbol") && qml.contains("attr=\"class_id\"") &&
                qml.contains("Vegetation"));
        QVERIFY(qml.contains("60,16,152,255")); // Building's #3c1098
        OGR_F_Destroy(style);

        // Rasterized back (attribute class_id over a 255 background) it is the label raster.
        GDALDatasetH back = GDALCreate(GDALGetDriverByName("MEM"), "", Width, Height, 1, GDT_Byte, nullptr);
        double transform[6] = {300000, PixelSide, 0, 2800000, 0, -PixelSide};
        GDALSetGeoTransform(back, transform);
        GDALFillRaster(GDALGetRasterBand(back, 1), 255, 0);
        int bandList[1] = {1};
        char** options = CSLSetNameValue(nullptr, "ATTRIBUTE", "class_id");
        QCOMPARE(GDALRasterizeLayers(back, 1, bandList, 1, &layer, nullptr, nullptr, nullptr, options,
                                     nullptr, nullptr),
                 CE_None);
        CSLDestroy(options);
        std::vector<quint8> pixels(size_t(Width) * Height);
        QCOMPARE(GDALRasterIO(GDALGetRasterBand(back, 1), GF_Read, 0, 0, Width, Height, pixels.data(), Width,
                              Height, GDT_Byte, 0, 0),
                 CE_None);
        qint64 same = 0;
        for (int y = 0; y < Height; ++y)
            for (int x = 0; x < Width; ++x)
                same += pixels[size_t(y) * Width + x] == fixtureClass(x, y);
        QVERIFY2(double(same) / (Width * Height) >= 0.999,
                 qPrintable(QString::number(double(same) / (Width * Height))));
        GDALClose(back);
        GDALClose(vectors);
    }

    void minAreaMergesSmallRegionsAndGeoJsonGetsAStyle() {
        const QString output = m_dir.filePath(QStringLiteral("sieved.geojson"));
        // The courtyard is 80 × 80 px = 1600 m²: below 2000 m² it joins the building around it.
        const auto run = cli({"vectorize", "--input", m_labels, "--output", output, "--classes", m_classes,
                              "--min-area", "2000"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject collection = QJsonDocument::fromJson(readAll(output)).object();
        int roads = 0;
        for (const QJsonValue& feature : collection.value(QStringLiteral("features")).toArray())
            roads += feature.toObject()
                         .value(QStringLiteral("properties"))
                         .toObject()
                         .value(QStringLiteral("class_id"))
                         .toInt() == 2;
        QCOMPARE(roads, 0);
        QVERIFY(QFile::exists(m_dir.filePath(QStringLiteral("sieved.qml"))));
        QVERIFY(readAll(m_dir.filePath(QStringLiteral("sieved.qml"))).contains("categorizedSymbol"));
    }

    void areasAreClassPixelsTimesPixelArea() {
        const QString csv = m_dir.filePath(QStringLiteral("areas.csv"));
        const auto run = cli({"areas", "--input", m_labels, "--classes", m_classes, "--csv", csv, "--json"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QList<QByteArray> lines = readAll(csv).trimmed().split('\n');
        QCOMPARE(lines.first(), QByteArray("class_id,class_name,pixels,area_m2,area_ha,share"));
        const auto counts = fixtureCounts();
        const qint64 labelled = Width * Height - counts.at(255);
        for (const QByteArray& line : lines.mid(1)) {
            const QList<QByteArray> cells = line.split(',');
            const int id = cells[0].toInt();
            const qint64 pixels = counts.count(id) ? counts.at(id) : 0;
            QCOMPARE(cells[2].toLongLong(), pixels);
            QCOMPARE(cells[3].toDouble(), pixels * PixelSide * PixelSide);
            QCOMPARE(cells[4].toDouble(), pixels * PixelSide * PixelSide / 1e4);
            QVERIFY(std::abs(cells[5].toDouble() - double(pixels) / labelled) < 1e-6);
        }
        const QJsonObject json = QJsonDocument::fromJson(run.out.trimmed()).object();
        QCOMPARE(json.value(QStringLiteral("units")).toString(), QStringLiteral("m2"));
        QCOMPARE(json.value(QStringLiteral("labelled_pixels")).toInteger(), labelled);
    }

    // eval against hand counts: a prediction that calls the vegetation island land and a corner of
    // land water. Per-class IoU, precision, recall and F1, the areas of both masks in m², the
    // worst 256² tiles in order, and the CSV, all equal to counting the two fixtures directly.
    void evalScoresAreasAndWorstTilesAgainstCounts() {
        const auto predictedClass = [](int x, int y) {
            const int truth = fixtureClass(x, y);
            if (truth == 3)
                return 1;
            if (x >= 600 && y < 100)
                return 4;
            return truth;
        };
        const QString prediction = m_dir.filePath(QStringLiteral("eval-prediction.tif"));
        test::RasterSpec spec;
        spec.width = Width;
        spec.height = Height;
        spec.geoTransform = {300000, PixelSide, 0, 2800000, 0, -PixelSide};
        spec.epsg = 32640;
        spec.noData = 255;
        QVERIFY(
            test::writeGeoTiff(prediction, spec, [&](int, int x, int y) { return predictedClass(x, y); }));
        // The independent count: both fixtures pixel by pixel.
        constexpr int Classes = 6;
        long long confusion[Classes][Classes] = {};
        std::map<int, qint64> predictedCounts;
        std::map<std::pair<int, int>, long long> tileMisses;
        for (int y = 0; y < Height; ++y) {
            for (int x = 0; x < Width; ++x) {
                const int truth = fixtureClass(x, y), predicted = predictedClass(x, y);
                ++predictedCounts[predicted];
                if (truth == 255)
                    continue;
                ++confusion[truth][predicted];
                tileMisses[{y / 256, x / 256}] += predicted != truth;
            }
        }
        const QString csv = m_dir.filePath(QStringLiteral("eval.csv"));
        const auto run = cli({"eval", "--prediction", prediction, "--reference", m_labels, "--classes",
                              m_classes, "--areas", "--worst", "2", "--csv", csv, "--json"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject json = QJsonDocument::fromJson(run.out.trimmed()).object();
        const QJsonArray classes = json.value(QStringLiteral("classes")).toArray();
        QCOMPARE(classes.size(), Classes);
        const auto referenceCounts = fixtureCounts();
        const QList<QByteArray> lines = readAll(csv).trimmed().split('\n');
        QCOMPARE(lines.first(), QByteArray("class_id,class_name,iou,precision,recall,f1,reference_pixels,"
                                           "predicted_pixels,reference_area_m2,predicted_area_m2"));
        QCOMPARE(lines.size(), Classes + 1);
        for (int c = 0; c < Classes; ++c) {
            long long row = 0, column = 0;
            for (int other = 0; other < Classes; ++other) {
                row += confusion[c][other];
                column += confusion[other][c];
            }
            const double hits = double(confusion[c][c]);
            const QJsonObject entry = classes[c].toObject();
            QCOMPARE(entry.value(QStringLiteral("id")).toInt(), c);
            QCOMPARE(entry.value(QStringLiteral("reference_pixels")).toInteger(), row);
            QCOMPARE(entry.value(QStringLiteral("predicted_pixels")).toInteger(), column);
            const QList<QByteArray> cells = lines[c + 1].split(',');
            if (row + column == 0) { // Unlabeled: in neither mask, so no figure at all
                QVERIFY(entry.value(QStringLiteral("iou")).isNull());
                QVERIFY(entry.value(QStringLiteral("f1")).isNull());
                QVERIFY(cells[2].isEmpty());
            } else {
                QCOMPARE(entry.value(QStringLiteral("iou")).toDouble(), hits / double(row + column - hits));
                QCOMPARE(entry.value(QStringLiteral("f1")).toDouble(), 2 * hits / double(row + column));
                QVERIFY(std::abs(cells[2].toDouble() - hits / double(row + column - hits)) < 1e-6);
            }
            if (column > 0)
                QCOMPARE(entry.value(QStringLiteral("precision")).toDouble(), hits / double(column));
            else
                QVERIFY(entry.value(QStringLiteral("precision")).isNull());
            if (row > 0)
                QCOMPARE(entry.value(QStringLiteral("recall")).toDouble(), hits / double(row));
            const double referenceM2 = double(referenceCounts.count(c) ? referenceCounts.at(c) : 0) * 0.25;
            const double predictedM2 = double(predictedCounts.count(c) ? predictedCounts[c] : 0) * 0.25;
            QCOMPARE(entry.value(QStringLiteral("reference_area_m2")).toDouble(), referenceM2);
            QCOMPARE(entry.value(QStringLiteral("predicted_area_m2")).toDouble(), predictedM2);
            QCOMPARE(cells[8].toDouble(), referenceM2);
            QCOMPARE(cells[9].toDouble(), predictedM2);
        }
        // The two worst tiles, worst first, in pixel coordinates.
        std::vector<std::pair<long long, std::pair<int, int>>> ranked;
        for (const auto& [tile, misses] : tileMisses)
            ranked.push_back({-misses, tile});
        std::sort(ranked.begin(), ranked.end());
        const QJsonArray worst = json.value(QStringLiteral("worst")).toArray();
        QCOMPARE(worst.size(), 2);
        for (int i = 0; i < 2; ++i) {
            const QJsonObject tile = worst[i].toObject();
            QCOMPARE(tile.value(QStringLiteral("disagreeing_pixels")).toInteger(), -ranked[size_t(i)].first);
            QCOMPARE(tile.value(QStringLiteral("y")).toInt(), ranked[size_t(i)].second.first * 256);
            QCOMPARE(tile.value(QStringLiteral("x")).toInt(), ranked[size_t(i)].second.second * 256);
            QCOMPARE(tile.value(QStringLiteral("width")).toInt(),
                     std::min(256, Width - ranked[size_t(i)].second.second * 256));
        }
        QVERIFY(worst[0].toObject().value(QStringLiteral("disagreeing_pixels")).toInteger() >
                worst[1].toObject().value(QStringLiteral("disagreeing_pixels")).toInteger());
        // The table says the same in words.
        const auto table = cli({"eval", "--prediction", prediction, "--reference", m_labels, "--classes",
                                m_classes, "--areas", "--worst", "1"});
        QVERIFY2(table.exitCode == 0, qPrintable(table.err));
        QVERIFY(table.out.contains("reference ha"));
        QVERIFY(table.out.contains("worst 1 tiles"));
    }

    // eval reads masks in strips of at most 4096 columns: a disagreement across that border is
    // counted once, in the right tiles, as by hand.
    void evalStreamsWideMasksAcrossItsChunks() {
        test::RasterSpec spec;
        spec.width = 4500;
        spec.height = 300;
        const QString reference = m_dir.filePath(QStringLiteral("wide-reference.tif"));
        const QString prediction = m_dir.filePath(QStringLiteral("wide-prediction.tif"));
        QVERIFY(test::writeGeoTiff(reference, spec, [](int, int, int) { return 1; }));
        QVERIFY(test::writeGeoTiff(
            prediction, spec, [](int, int x, int y) { return x >= 4000 && x < 4200 && y < 100 ? 4 : 1; }));
        const auto run = cli({"eval", "--prediction", prediction, "--reference", reference, "--classes",
                              m_classes, "--worst", "3", "--json"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const QJsonObject json = QJsonDocument::fromJson(run.out.trimmed()).object();
        QCOMPARE(json.value(QStringLiteral("pixels")).toInteger(), qint64(4500 * 300));
        QCOMPARE(json.value(QStringLiteral("pixel_accuracy")).toDouble(), 1.0 - 20000.0 / (4500.0 * 300.0));
        const QJsonArray worst = json.value(QStringLiteral("worst")).toArray();
        QCOMPARE(worst.size(), 2); // only two tiles disagree at all
        QCOMPARE(worst[0].toObject().value(QStringLiteral("x")).toInt(), 4096); // 104 × 100 px
        QCOMPARE(worst[0].toObject().value(QStringLiteral("disagreeing_pixels")).toInteger(), qint64(10400));
        QCOMPARE(worst[1].toObject().value(QStringLiteral("x")).toInt(), 3840); // 96 × 100 px
        QCOMPARE(worst[1].toObject().value(QStringLiteral("disagreeing_pixels")).toInteger(), qint64(9600));
        QCOMPARE(worst[1].toObject().value(QStringLiteral("width")).toInt(), 256);
        QCOMPARE(worst[0].toObject().value(QStringLiteral("height")).toInt(), 256);
    }

    void evalRefusesAreasWithoutGeoreferenceAndBadCounts() {
        const QString png = m_dir.filePath(QStringLiteral("eval-plain.png"));
        QImage image(64, 64, QImage::Format_Grayscale8);
        image.fill(1);
        QVERIFY(image.save(png));
        const QString csv = m_dir.filePath(QStringLiteral("refused.csv"));
        const auto areas = cli({"eval", "--prediction", png, "--reference", png, "--classes", m_classes,
                                "--areas", "--csv", csv});
        QCOMPARE(areas.exitCode, 1);
        QVERIFY2(areas.err.contains("georeference"), qPrintable(areas.err));
        QVERIFY(!QFile::exists(csv));
        for (const char* count : {"0", "-3", "2x"}) {
            const auto worst = cli(
                {"eval", "--prediction", png, "--reference", png, "--classes", m_classes, "--worst", count});
            QCOMPARE(worst.exitCode, 1);
            QVERIFY2(worst.err.contains("--worst"), qPrintable(worst.err));
        }
        const auto same =
            cli({"eval", "--prediction", png, "--reference", png, "--classes", m_classes, "--csv", png});
        QCOMPARE(same.exitCode, 1); // the CSV would replace an input
        QVERIFY(QImage(png).size() == QSize(64, 64));
    }

    // areas --region: only the pixels whose centre lies in the polygons count, whether the
    // polygon is in the raster's CRS or in WGS 84 (reprojected by GDAL).
    void areasInsideARegionOfInterest() {
        // The building square with its courtyard: pixels 100…299 both ways.
        const double west = 300000 + 100 * PixelSide, east = 300000 + 300 * PixelSide;
        const double north = 2800000 - 100 * PixelSide, south = 2800000 - 300 * PixelSide;
        // %1 west, %2 east, %3 north, %4 south.
        const auto corners = [&](const QString& pattern) {
            return pattern.arg(west, 0, 'f', 3)
                .arg(east, 0, 'f', 3)
                .arg(north, 0, 'f', 3)
                .arg(south, 0, 'f', 3)
                .toUtf8();
        };
        const QByteArray ring = corners(QStringLiteral("[[%1,%3],[%2,%3],[%2,%4],[%1,%4],[%1,%3]]"));
        // A line and a point outside the square, as a KML or a mixed GeoJSON holds them: they
        // have no area and must not count (burnt, they would add the pixels they touch).
        const QByteArray lineAndPoint =
            corners(QStringLiteral(
                        ",{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":"
                        "\"LineString\",\"coordinates\":[[%1,%4],[%2,%4]]}},{\"type\":\"Feature\","
                        "\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[%1,%4]}}"))
                .replace(QByteArray::number(south, 'f', 3),
                         QByteArray::number(south - 40 * PixelSide, 'f', 3));
        const QString utm = m_dir.filePath(QStringLiteral("aoi-utm.geojson"));
        QFile utmFile(utm);
        QVERIFY(utmFile.open(QIODevice::WriteOnly));
        utmFile.write("{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":"
                      "{\"name\":\"urn:ogc:def:crs:EPSG::32640\"}},\"features\":[{\"type\":\"Feature\","
                      "\"properties\":{},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" +
                      ring + "]}}" + lineAndPoint + "]}");
        utmFile.close();
        // The same square in longitude and latitude, its sides densified before reprojecting.
        OGRSpatialReferenceH utmSrs = spatialReference(32640), wgs84 = spatialReference(4326);
        OGRGeometryH square = nullptr;
        const QByteArray wkt = corners(QStringLiteral("POLYGON((%1 %3,%2 %3,%2 %4,%1 %4,%1 %3))"));
        char* text = const_cast<char*>(wkt.constData());
        QCOMPARE(OGR_G_CreateFromWkt(&text, utmSrs, &square), OGRERR_NONE);
        OGR_G_Segmentize(square, 1.0);
        OGRCoordinateTransformationH toWgs84 = OCTNewCoordinateTransformation(utmSrs, wgs84);
        QCOMPARE(OGR_G_Transform(square, toWgs84), OGRERR_NONE);
        char* json = OGR_G_ExportToJson(square);
        const QString lonLat = m_dir.filePath(QStringLiteral("aoi-wgs84.geojson"));
        QFile lonLatFile(lonLat);
        QVERIFY(lonLatFile.open(QIODevice::WriteOnly));
        lonLatFile.write(QByteArray("{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
                                    "\"properties\":{},\"geometry\":") +
                         json + "}]}");
        lonLatFile.close();
        CPLFree(json);
        OGR_G_DestroyGeometry(square);
        OCTDestroyCoordinateTransformation(toWgs84);
        OSRDestroySpatialReference(utmSrs);
        OSRDestroySpatialReference(wgs84);

        for (const QString& region : {utm, lonLat}) {
            const auto run =
                cli({"areas", "--input", m_labels, "--classes", m_classes, "--region", region, "--json"});
            QVERIFY2(run.exitCode == 0, qPrintable(run.err));
            const QJsonObject report = QJsonDocument::fromJson(run.out.trimmed()).object();
            QCOMPARE(report.value(QStringLiteral("region")).toString(), QFileInfo(region).fileName());
            std::map<int, qint64> expected{{0, 200 * 200 - 80 * 80}, {2, 80 * 80}};
            for (const QJsonValue& value : report.value(QStringLiteral("classes")).toArray()) {
                const QJsonObject c = value.toObject();
                const int id = c.value(QStringLiteral("class_id")).toInt();
                const qint64 pixels = expected.count(id) ? expected.at(id) : 0;
                QCOMPARE(c.value(QStringLiteral("pixels")).toInteger(), pixels);
                QCOMPARE(c.value(QStringLiteral("area_m2")).toDouble(), pixels * PixelSide * PixelSide);
            }
            QCOMPARE(report.value(QStringLiteral("labelled_pixels")).toInteger(), 200 * 200);
        }
        // No georeference to lay it on, and a file without polygons: refused, saying why.
        const auto plain = cli({"areas", "--input", m_plain, "--classes", m_classes, "--region", utm});
        QCOMPARE(plain.exitCode, 1);
        QVERIFY2(plain.err.contains("georeference"), qPrintable(plain.err));
        const QString points = m_dir.filePath(QStringLiteral("points.geojson"));
        QFile pointsFile(points);
        QVERIFY(pointsFile.open(QIODevice::WriteOnly));
        pointsFile.write(
            "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{},"
            "\"geometry\":{\"type\":\"Point\",\"coordinates\":[55.1,25.2]}}]}");
        pointsFile.close();
        const auto noPolygon =
            cli({"areas", "--input", m_labels, "--classes", m_classes, "--region", points});
        QCOMPARE(noPolygon.exitCode, 1);
        QVERIFY2(noPolygon.err.contains("no polygon"), qPrintable(noPolygon.err));
    }

    // On a geographic raster each row's pixels have their own area: the sum is checked against
    // the same cells measured through PROJ in an equal-area projection.
    void geographicAreasAreGeodesicPerRow() {
        const QString path = m_dir.filePath(QStringLiteral("geographic.tif"));
        const double step = 0.0005; // degrees, about 50 m
        QVERIFY(writeFixture(path, 4326, {55.0, step, 0, 60.0, 0, -step}));
        AreaReport report;
        QString error;
        QVERIFY2(ClassAreas::measure(path, ClassPalette::dubaiAerial(), report, &error), qPrintable(error));
        OGRSpatialReferenceH wgs84 = spatialReference(4326), equalArea = spatialReference(6933);
        OGRCoordinateTransformationH transform = OCTNewCoordinateTransformation(wgs84, equalArea);
        QVERIFY(transform);
        // Land (class 1) fills whole rows at the bottom: one row's cell measured both ways.
        const double north = 60.0 - (Height - 1) * step;
        OGRGeometryH cell = nullptr;
        const QByteArray wkt = QStringLiteral("POLYGON((55 %1,%2 %1,%2 %3,55 %3,55 %1))")
                                   .arg(north, 0, 'f', 10)
                                   .arg(55.0 + step, 0, 'f', 10)
                                   .arg(north - step, 0, 'f', 10)
                                   .toUtf8();
        char* text = const_cast<char*>(wkt.constData());
        QCOMPARE(OGR_G_CreateFromWkt(&text, wgs84, &cell), OGRERR_NONE);
        OGR_G_Segmentize(cell, step / 16);
        QCOMPARE(OGR_G_Transform(cell, transform), OGRERR_NONE);
        const double projCell = OGR_G_Area(cell);
        const double ours =
            ClassAreas::geographicCellArea(north, north - step, step, 6378137.0, 298.257223563);
        QVERIFY2(std::abs(ours - projCell) / projCell < 1e-4,
                 qPrintable(QStringLiteral("%1 vs %2").arg(ours).arg(projCell)));
        // Rows nearer the pole are smaller: the report is not pixels × one constant.
        const double top = ClassAreas::geographicCellArea(60.0, 60.0 - step, step, 6378137.0, 298.257223563);
        QVERIFY(top < ours);
        const ClassArea& land = report.classes[1];
        QVERIFY(land.areaM2 > land.pixels * top && land.areaM2 < land.pixels * ours);
        OGR_G_DestroyGeometry(cell);
        OCTDestroyCoordinateTransformation(transform);
        OSRDestroySpatialReference(wgs84);
        OSRDestroySpatialReference(equalArea);
    }

    // Every class GeoTIFF we write has a QGIS style beside it with the class names and colours,
    // which vectorize and areas also read the classes from.
    void predictWritesAQgisStyleAndPolygons() {
        std::string error;
        const QString model = m_dir.filePath(QStringLiteral("model/model.pt"));
        QVERIFY2(test::saveSmallSixClassModel(model.toStdString(), "land-cover-test", &error), error.c_str());
        const QString output = m_dir.filePath(QStringLiteral("predicted.tif"));
        const QString vector = m_dir.filePath(QStringLiteral("predicted.gpkg"));
        const auto run = cli({"predict", "--model", model, "--input",
                              dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")), "--output", output,
                              "--vector", vector, "--device", "cpu"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const auto entries = paletteEntries(readAll(QgisStyle::stylePathFor(output)));
        QCOMPARE(entries.size(), 6);
        QCOMPARE(entries[0], std::make_tuple(0, QStringLiteral("class 0"), QStringLiteral("#3c1098")));
        QVERIFY(QFile::exists(vector));
        const auto areas = cli({"areas", "--input", output, "--json"}); // classes from the .qml
        QVERIFY2(areas.exitCode == 0, qPrintable(areas.err));
        // Every pixel of the scene has a class; its nodata collar none.
        const std::vector<bool> collar = noDataOf(dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")));
        QCOMPARE(collar.size(), size_t(79 * 71));
        const qint64 scene = std::count(collar.begin(), collar.end(), false);
        QCOMPARE(QJsonDocument::fromJson(areas.out.trimmed())
                     .object()
                     .value(QStringLiteral("labelled_pixels"))
                     .toInteger(),
                 scene);
    }

    // Four shards joined are the single run, pixel for pixel: each block keeps its context.
    void fourShardsMergedEqualOneRun() {
        std::string why;
        const QString model = m_dir.filePath(QStringLiteral("shard-model/model.pt"));
        QVERIFY2(test::saveSmallSixClassModel(model.toStdString(), "shard-test", &why), why.c_str());
        const QString image = m_dir.filePath(QStringLiteral("shard-image.tif"));
        test::RasterSpec spec;
        spec.width = 600;
        spec.height = 1100; // five rows of 256-px blocks
        spec.bands = 3;
        spec.geoTransform = std::array<double, 6>{300000, 0.5, 0, 2800000, 0, -0.5};
        spec.epsg = 32640;
        QVERIFY(test::writeGeoTiff(image, spec, [](int band, int x, int y) {
            return (x * (band + 3) + y * (7 - band) + (x / 37) * (y / 53) * 11) % 256;
        }));
        const QStringList common{"predict", "--model", model,      "--input", image,
                                 "--block", "256",     "--device", "cpu"};
        const QString single = m_dir.filePath(QStringLiteral("single.tif"));
        auto run = cli(common + QStringList{"--output", single});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QStringList parts;
        for (int i = 1; i <= 4; ++i) {
            parts << m_dir.filePath(QStringLiteral("part-%1.tif").arg(i));
            run =
                cli(common + QStringList{"--output", parts.last(), "--shard", QStringLiteral("%1/4").arg(i)});
            QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        }
        const QString merged = m_dir.filePath(QStringLiteral("merged.tif"));
        run = cli(QStringList{"merge", "--output", merged} + parts);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        const auto pixelsOf = [](const QString& path) {
            std::vector<quint8> pixels;
            GDALDatasetH dataset = GDALOpen(path.toUtf8().constData(), GA_ReadOnly);
            if (!dataset)
                return pixels;
            pixels.resize(size_t(GDALGetRasterXSize(dataset)) * GDALGetRasterYSize(dataset));
            if (GDALRasterIO(GDALGetRasterBand(dataset, 1), GF_Read, 0, 0, GDALGetRasterXSize(dataset),
                             GDALGetRasterYSize(dataset), pixels.data(), GDALGetRasterXSize(dataset),
                             GDALGetRasterYSize(dataset), GDT_Byte, 0, 0) != CE_None)
                pixels.clear();
            GDALClose(dataset);
            return pixels;
        };
        const auto expected = pixelsOf(single);
        QCOMPARE(expected.size(), size_t(600 * 1100));
        QVERIFY(pixelsOf(merged) == expected);
        QVERIFY(QFile::exists(QgisStyle::stylePathFor(merged)));
        // A shard that does not exist is refused, and writes nothing.
        run = cli(common +
                  QStringList{"--output", m_dir.filePath(QStringLiteral("part-5.tif")), "--shard", "5/4"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains(QStringLiteral("--shard wants I/N")));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("part-5.tif"))));
    }

    // A folder of XYZ tiles is a source like any raster: predicted where its tiles are, in Web
    // Mercator.
    // An MBTiles file credits its imagery: predict writes the credit into the label GeoTIFF it
    // makes from it (TIFFTAG_COPYRIGHT, which gdalinfo and QGIS show).
    void predictFromMbtilesKeepsItsAttribution() {
        const QString tiles = m_dir.filePath(QStringLiteral("imagery.mbtiles"));
        const QString credit = QStringLiteral("© Test Imagery contributors");
        QVERIFY(test::writeMbtiles(tiles, dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")), credit));
        const QString output = m_dir.filePath(QStringLiteral("mbtiles-classes.tif"));
        QVERIFY(predictWithSmallModel(tiles, output));
        GDALDatasetH classes = GDALOpen(output.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(classes);
        QCOMPARE(QString::fromUtf8(GDALGetMetadataItem(classes, "TIFFTAG_COPYRIGHT", nullptr)), credit);
        QCOMPARE(QString::fromUtf8(GDALGetMetadataItem(classes, "SOURCE_ATTRIBUTION", nullptr)), credit);
        OGRSpatialReferenceH crs = OSRNewSpatialReference(GDALGetProjectionRef(classes));
        QCOMPARE(QString::fromUtf8(OSRGetAuthorityCode(crs, nullptr)), QStringLiteral("3857"));
        OSRDestroySpatialReference(crs);
        GDALClose(classes);
        // …and vectorize keeps it in the GeoPackage.
        const QString polygons = m_dir.filePath(QStringLiteral("mbtiles-polygons.gpkg"));
        const auto vectorized = cli({"vectorize", "--input", output, "--output", polygons});
        QVERIFY2(vectorized.exitCode == 0, qPrintable(vectorized.err));
        GDALDatasetH vectors =
            GDALOpenEx(polygons.toUtf8().constData(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr);
        QVERIFY(vectors);
        QCOMPARE(QString::fromUtf8(GDALGetMetadataItem(vectors, "SOURCE_ATTRIBUTION", nullptr)), credit);
        GDALClose(vectors);
        // A plain GeoTIFF has no credit, and its output none either.
        const QString plainOutput = m_dir.filePath(QStringLiteral("plain-classes.tif"));
        QVERIFY(predictWithSmallModel(dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")), plainOutput));
        GDALDatasetH none = GDALOpen(plainOutput.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(none);
        QVERIFY(!GDALGetMetadataItem(none, "TIFFTAG_COPYRIGHT", nullptr));
        GDALClose(none);
    }

    // An orthophoto's collar of nodata is no land cover: predict leaves exactly those pixels
    // without a class (255, the label raster's nodata), where it used to call them water.
    void predictLeavesNoDataWithoutAClass() {
        const QString input = dataPath(QStringLiteral("geotiff/rgb-byte-tenth.tif")); // nodata 0
        const QString output = m_dir.filePath(QStringLiteral("collar-classes.tif"));
        QVERIFY(predictWithSmallModel(input, output));
        const std::vector<bool> noData = noDataOf(input);
        GDALDatasetH classes = GDALOpen(output.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(classes);
        const int width = GDALGetRasterXSize(classes), height = GDALGetRasterYSize(classes);
        std::vector<quint8> labels(size_t(width) * size_t(height));
        QCOMPARE(noData.size(), labels.size());
        QCOMPARE(GDALRasterIO(GDALGetRasterBand(classes, 1), GF_Read, 0, 0, width, height, labels.data(),
                              width, height, GDT_Byte, 0, 0),
                 CE_None);
        GDALClose(classes);
        for (size_t i = 0; i < labels.size(); ++i)
            QVERIFY2((labels[i] == 255) == noData[i],
                     qPrintable(QStringLiteral("pixel %1: class %2").arg(i).arg(labels[i])));
        QVERIFY(std::count(noData.begin(), noData.end(), true) > 500); // the rotated scene's corners
    }

    // An XYZ service's URL template, served on loopback: refused (nothing asked of the server)
    // until the person allows network sources; then the area's tiles at the zoom, predicted as
    // the same tiles in a folder are, in Web Mercator, with the credit the person gave.
    void predictFromATileServiceUrl() {
        const QString root = m_dir.filePath(QStringLiteral("served"));
        QHash<QString, QByteArray> files;
        for (int x = 700; x < 702; ++x) {
            QVERIFY(QDir().mkpath(QStringLiteral("%1/10/%2").arg(root).arg(x)));
            QImage tile(256, 256, QImage::Format_RGB32);
            for (int y = 0; y < 256; ++y)
                for (int i = 0; i < 256; ++i)
                    tile.setPixelColor(i, y, QColor::fromRgb((i * 3 + x) % 256, (y * 5) % 256, 90));
            QByteArray png;
            QBuffer buffer(&png);
            QVERIFY(buffer.open(QIODevice::WriteOnly) && tile.save(&buffer, "PNG"));
            QFile file(QStringLiteral("%1/10/%2/440.png").arg(root).arg(x));
            QVERIFY(file.open(QIODevice::WriteOnly) && file.write(png) == png.size());
            files.insert(QStringLiteral("/10/%1/440.png").arg(x), png);
        }
        test::HttpTestServer server(files);
        const QString url = server.url(QStringLiteral("/{z}/{x}/{y}.png"));
        // Inside tiles 700-701 × 440 of zoom 10.
        const auto longitude = [](double x) { return x / 1024 * 360 - 180; };
        const auto latitude = [](double y) {
            return std::atan(std::sinh(M_PI * (1 - 2 * y / 1024))) * 180 / M_PI;
        };
        const QString area = QStringLiteral("%1,%2,%3,%4")
                                 .arg(longitude(700.2), 0, 'f', 6)
                                 .arg(latitude(440.8), 0, 'f', 6)
                                 .arg(longitude(701.8), 0, 'f', 6)
                                 .arg(latitude(440.2), 0, 'f', 6);
        const QString model = m_dir.filePath(QStringLiteral("small-model/model.pt"));
        std::string why;
        QVERIFY(QFile::exists(model) ||
                test::saveSmallSixClassModel(model.toStdString(), "small-test", &why));
        const QString output = m_dir.filePath(QStringLiteral("service-classes.tif"));
        const QStringList predict{"predict",        "--model",  model,    "--input",  url,
                                  "--zoom",         "10",       "--area", area,       "--attribution",
                                  "Loopback Tiles", "--output", output,   "--device", "cpu"};
        const auto refused = cli(predict);
        QCOMPARE(refused.exitCode, 1);
        QVERIFY2(refused.err.contains(QStringLiteral("server")), qPrintable(refused.err));
        QCOMPARE(server.requests(), 0);
        QVERIFY(!QFileInfo::exists(output));
        const auto noZoom = cli({"--allow-network", "predict", "--model", model, "--input", url, "--area",
                                 area, "--output", output});
        QCOMPARE(noZoom.exitCode, 1);
        QVERIFY2(noZoom.err.contains(QStringLiteral("zoom level")), qPrintable(noZoom.err));

        const auto run = cli(QStringList{"--allow-network"} + predict);
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY(server.requests() >= 2);
        const QString fromFolder = m_dir.filePath(QStringLiteral("folder-classes.tif"));
        QVERIFY(predictWithSmallModel(root, fromFolder));
        GDALDatasetH classes = GDALOpen(output.toUtf8().constData(), GA_ReadOnly);
        GDALDatasetH expected = GDALOpen(fromFolder.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(classes && expected);
        QCOMPARE(GDALGetRasterXSize(classes), 512);
        QCOMPARE(GDALGetRasterYSize(classes), 256);
        double transform[6], folderTransform[6];
        QCOMPARE(GDALGetGeoTransform(classes, transform), CE_None);
        QCOMPARE(GDALGetGeoTransform(expected, folderTransform), CE_None);
        for (int i = 0; i < 6; ++i)
            QVERIFY(std::abs(transform[i] - folderTransform[i]) < 1e-6);
        std::vector<quint8> ours(512 * 256), theirs(ours.size());
        QCOMPARE(GDALRasterIO(GDALGetRasterBand(classes, 1), GF_Read, 0, 0, 512, 256, ours.data(), 512, 256,
                              GDT_Byte, 0, 0),
                 CE_None);
        QCOMPARE(GDALRasterIO(GDALGetRasterBand(expected, 1), GF_Read, 0, 0, 512, 256, theirs.data(), 512,
                              256, GDT_Byte, 0, 0),
                 CE_None);
        QVERIFY(ours == theirs);
        const char* credit = GDALGetMetadataItem(classes, "SOURCE_ATTRIBUTION", nullptr);
        QCOMPARE(QString::fromUtf8(credit ? credit : ""), QStringLiteral("Loopback Tiles"));
        GDALClose(classes);
        GDALClose(expected);
    }

    void predictOnATileFolderIsGeoreferenced() {
        const QString root = m_dir.filePath(QStringLiteral("tiles"));
        for (int x = 700; x < 702; ++x) {
            QVERIFY(QDir().mkpath(QStringLiteral("%1/10/%2").arg(root).arg(x)));
            QImage tile(256, 256, QImage::Format_RGB32);
            tile.fill(QColor::fromRgb(120, 90 + x % 2 * 40, 60));
            QVERIFY(tile.save(QStringLiteral("%1/10/%2/440.png").arg(root).arg(x)));
        }
        const QString output = m_dir.filePath(QStringLiteral("tiles-classes.tif"));
        QVERIFY(predictWithSmallModel(root, output));
        GDALDatasetH classes = GDALOpen(output.toUtf8().constData(), GA_ReadOnly);
        QVERIFY(classes);
        QCOMPARE(GDALGetRasterXSize(classes), 512);
        QCOMPARE(GDALGetRasterYSize(classes), 256);
        double transform[6];
        QCOMPARE(GDALGetGeoTransform(classes, transform), CE_None);
        const double tile = 2 * 20037508.342789244 / 1024;
        QVERIFY(std::abs(transform[0] - (-20037508.342789244 + 700 * tile)) < 1e-3);
        QVERIFY(std::abs(transform[3] - (20037508.342789244 - 440 * tile)) < 1e-3);
        OGRSpatialReferenceH crs = OSRNewSpatialReference(GDALGetProjectionRef(classes));
        QCOMPARE(QString::fromUtf8(OSRGetAuthorityCode(crs, nullptr)), QStringLiteral("3857"));
        OSRDestroySpatialReference(crs);
        GDALClose(classes);
    }

    // A tile folder with a hole: opaque tiles (JPEG-like) would read it as black imagery, so
    // predict refuses it and names the tile; transparent PNGs say "no data" there, and predict
    // leaves exactly that tile without a class.
    void predictRefusesATileFolderWithHoles() {
        for (const bool transparent : {false, true}) {
            const QString root =
                m_dir.filePath(transparent ? QStringLiteral("holes-rgba") : QStringLiteral("holes"));
            for (int x = 700; x < 703; ++x)
                for (int y = 440; y < 442; ++y) {
                    if (x == 701 && y == 441)
                        continue; // the hole
                    QVERIFY(QDir().mkpath(QStringLiteral("%1/10/%2").arg(root).arg(x)));
                    QImage tile(256, 256, transparent ? QImage::Format_ARGB32 : QImage::Format_RGB32);
                    tile.fill(QColor::fromRgb(120, 90 + x % 2 * 40, 60));
                    QVERIFY(tile.save(QStringLiteral("%1/10/%2/%3.png").arg(root).arg(x).arg(y)));
                }
            const QString output = m_dir.filePath(QStringLiteral("holes-%1.tif").arg(transparent));
            if (!transparent) {
                const auto run = cli({"predict", "--model", "default", "--input", root, "--output", output});
                QCOMPARE(run.exitCode, 1);
                QVERIFY2(run.err.contains(QStringLiteral("lacks 1 of the 6 tiles of zoom 10")) &&
                             run.err.contains(QStringLiteral("10/701/441.png")),
                         qPrintable(run.err));
                QVERIFY(!QFile::exists(output));
                continue;
            }
            QVERIFY(predictWithSmallModel(root, output));
            GDALDatasetH classes = GDALOpen(output.toUtf8().constData(), GA_ReadOnly);
            QVERIFY(classes);
            QCOMPARE(GDALGetRasterXSize(classes), 768);
            std::vector<quint8> labels(size_t(768) * 512);
            QCOMPARE(GDALRasterIO(GDALGetRasterBand(classes, 1), GF_Read, 0, 0, 768, 512, labels.data(), 768,
                                  512, GDT_Byte, 0, 0),
                     CE_None);
            GDALClose(classes);
            for (int y = 0; y < 512; y += 17)
                for (int x = 0; x < 768; x += 13) {
                    const bool inHole = x >= 256 && x < 512 && y >= 256;
                    QVERIFY2((labels[size_t(y) * 768 + size_t(x)] == 255) == inHole,
                             qPrintable(QStringLiteral("pixel %1, %2").arg(x).arg(y)));
                }
        }
    }

    // A folder of map tiles is an image for train (and simulate) too: its mask is what predict
    // writes for it, named after the folder.
    void trainTakesATileFolderAsAnImage() {
        const QString data = m_dir.filePath(QStringLiteral("tile-training"));
        const QString root = data + QStringLiteral("/images/area");
        for (int x = 700; x < 702; ++x) {
            QVERIFY(QDir().mkpath(QStringLiteral("%1/10/%2").arg(root).arg(x)));
            QImage tile(256, 256, QImage::Format_RGB32);
            tile.fill(QColor::fromRgb(120, 90 + x % 2 * 40, 60));
            QVERIFY(tile.save(QStringLiteral("%1/10/%2/440.png").arg(root).arg(x)));
        }
        QVERIFY(QDir().mkpath(data + QStringLiteral("/masks")));
        QVERIFY(predictWithSmallModel(root, data + QStringLiteral("/masks/area.tif")));
        const auto run =
            cli({"train", "--data", data, "--init", m_dir.filePath(QStringLiteral("small-model/model.pt")),
                 "--steps", "1", "--batch", "1", "--crop", "64", "--output",
                 m_dir.filePath(QStringLiteral("tile-trained.pt")), "--device", "cpu"});
        QVERIFY2(run.exitCode == 0, qPrintable(run.err));
        QVERIFY2(run.err.contains(QStringLiteral("1 images (131072 labelled px")), qPrintable(run.err));
    }

    void badInputsLeaveNoOutput_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("an RGB image")
            << QStringList{"vectorize", "--input", dataPath(QStringLiteral("geotiff/RGB.byte.tif")),
                           "--output",  "OUT",     "--classes",
                           "CLASSES"}
            << "is not a label raster";
        QTest::newRow("no georeference")
            << QStringList{"vectorize", "--input", "PLAIN", "--output", "OUT", "--classes", "CLASSES"}
            << "has no georeference";
        QTest::newRow("a negative minimum area")
            << QStringList{"vectorize", "--input", "LABELS",     "--output", "OUT",
                           "--classes", "CLASSES", "--min-area", "-5"}
            << "--min-area wants a number";
        QTest::newRow("another format")
            << QStringList{"vectorize", "--input", "LABELS", "--output", "OUT.shp", "--classes", "CLASSES"}
            << ".gpkg or .geojson";
        QTest::newRow("values no class has")
            << QStringList{"areas", "--input", "LABELS", "--classes", "TWO"} << "holds the value 2";
        QTest::newRow("no classes") << QStringList{"areas", "--input", "LABELS"}
                                    << "name the classes with --classes";
    }

    void badInputsLeaveNoOutput() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const QString out = m_dir.filePath(QStringLiteral("bad/out.gpkg"));
        QDir().mkpath(m_dir.filePath(QStringLiteral("bad")));
        QFile two(m_dir.filePath(QStringLiteral("bad/two.csv")));
        QVERIFY(two.open(QIODevice::WriteOnly));
        two.write("index,name,hex\n0,a,#000001\n1,b,#000002\n");
        two.close();
        for (QString& argument : arguments) {
            if (argument == QLatin1String("OUT"))
                argument = out;
            if (argument == QLatin1String("OUT.shp"))
                argument = m_dir.filePath(QStringLiteral("bad/out.shp"));
            if (argument == QLatin1String("LABELS"))
                argument = m_labels;
            if (argument == QLatin1String("CLASSES"))
                argument = m_classes;
            if (argument == QLatin1String("TWO"))
                argument = two.fileName();
            if (argument == QLatin1String("PLAIN"))
                argument = m_plain;
        }
        const auto run = cli(arguments);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains(message), qPrintable(run.err));
        QCOMPARE(QDir(m_dir.filePath(QStringLiteral("bad")))
                     .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList{QStringLiteral("two.csv")});
    }

private:
    // segstudio-cli predict with a small untrained six-class network (made once): what is
    // tested is the output's georeference and metadata, not its classes.
    bool predictWithSmallModel(const QString& input, const QString& output) {
        const QString model = m_dir.filePath(QStringLiteral("small-model/model.pt"));
        std::string why;
        if (!QFile::exists(model) && !test::saveSmallSixClassModel(model.toStdString(), "small-test", &why)) {
            qWarning("cannot save the small model: %s", why.c_str());
            return false;
        }
        const auto run =
            cli({"predict", "--model", model, "--input", input, "--output", output, "--device", "cpu"});
        if (run.exitCode != 0)
            qWarning("predict failed: %s", qPrintable(run.err));
        return run.exitCode == 0;
    }

    QTemporaryDir m_dir;
    QString m_labels;
    QString m_classes;
    QString m_plain;
};

QTEST_GUILESS_MAIN(TestLandCover)
#include "test_land_cover.moc"
