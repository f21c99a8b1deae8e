#include "annotation/source_policy.h"

#include "annotation/gdal_errors.h"

#include <QDir>
#include <QFileInfo>
#include <QObject>
#include <QRegularExpression>
#include <QSet>
#include <atomic>
#include <cpl_minixml.h>
#include <functional>
#include <gdal.h>
#include <sys/stat.h>

namespace segstudio::SourcePolicy {
namespace {

std::atomic<bool> g_networkAllowed{false};

// Raster formats that read local files only. Anything else (WMS, WMTS, WCS, the HTTP driver,
// MRF with remote data files, cloud catalogues...) may reach a server.
const QSet<QString>& localDrivers() {
    static const QSet<QString> drivers{
        QStringLiteral("GTiff"),   QStringLiteral("COG"),         QStringLiteral("PNG"),
        QStringLiteral("JPEG"),    QStringLiteral("GIF"),         QStringLiteral("BMP"),
        QStringLiteral("WEBP"),    QStringLiteral("JP2OpenJPEG"), QStringLiteral("HFA"),
        QStringLiteral("ENVI"),    QStringLiteral("EHdr"),        QStringLiteral("ERS"),
        QStringLiteral("NITF"),    QStringLiteral("PNM"),         QStringLiteral("GPKG"),
        QStringLiteral("MBTiles"), QStringLiteral("SRTMHGT"),     QStringLiteral("AAIGrid"),
        QStringLiteral("GSBG"),    QStringLiteral("GS7BG"),       QStringLiteral("XPM"),
        QStringLiteral("PCIDSK"),  QStringLiteral("ILWIS"),       QStringLiteral("RST"),
        QStringLiteral("SAGA"),    QStringLiteral("VRT") /* its sources are checked */};
    return drivers;
}

// A URL ("https://", "ftp://") or a GDAL virtual file system that fetches over the network.
bool namesServer(const QString& path) {
    static const QRegularExpression url(QStringLiteral("(^|/)[A-Za-z][A-Za-z0-9+.-]*://"));
    static const QRegularExpression remoteVsi(
        QStringLiteral("/vsi(curl|curl_streaming|s3|s3_streaming|gs|gs_streaming|az|az_streaming|adls|oss|"
                       "oss_streaming|swift|swift_streaming|webhdfs|hdfs)(/|_)"));
    return url.match(path).hasMatch() || remoteVsi.match(path).hasMatch();
}

QString networkOff(const QString& what) {
    return QObject::tr("%1, and network sources are off (allow them in Preferences, or with "
                       "segstudio-cli --allow-network).")
        .arg(what);
}

QString check(const QString& path, const QString& shown, int depth, bool allowed);

// Every file a VRT reads from, with relativeToVRT resolved.
QString checkVrtSources(const QString& vrtPath, const QString& shown, int depth, bool allowed) {
    CPLXMLNode* root = CPLParseXMLFile(vrtPath.toUtf8().constData());
    if (!root)
        return {}; // not XML we can read: GDAL will say so when it opens it
    const QString folder = QFileInfo(vrtPath).absolutePath();
    QString problem;
    std::function<void(CPLXMLNode*)> walk = [&](CPLXMLNode* node) {
        for (; node && problem.isEmpty(); node = node->psNext) {
            if (node->eType != CXT_Element)
                continue;
            const QString name = QString::fromUtf8(node->pszValue);
            if (name == QLatin1String("SourceFilename") || name == QLatin1String("SourceDataset")) {
                QString source = QString::fromUtf8(CPLGetXMLValue(node, nullptr, ""));
                if (source.trimmed().startsWith(QLatin1Char('<'))) {
                    problem = QObject::tr("%1 describes a source by inline XML, which segstudio does not "
                                          "open")
                                  .arg(shown);
                    return;
                }
                if (QString::fromUtf8(CPLGetXMLValue(node, "relativeToVRT", "0")) == QLatin1String("1") ||
                    QString::fromUtf8(CPLGetXMLValue(node, "relativetoVRT", "0")) == QLatin1String("1"))
                    source = QDir(folder).filePath(source);
                problem = check(source, shown, depth + 1, allowed);
                if (!problem.isEmpty())
                    return;
            }
            walk(node->psChild);
        }
    };
    walk(root);
    CPLDestroyXMLNode(root);
    return problem;
}

// A GDAL_WMS description is local only when every URL it names is a file:// URL and it has no
// <Cache> (which writes tiles into a folder of the file's choosing).
bool isLocalTileService(const QString& path) {
    CPLXMLNode* root = CPLParseXMLFile(path.toUtf8().constData());
    if (!root)
        return false;
    bool local = true, anyUrl = false;
    std::function<void(CPLXMLNode*)> walk = [&](CPLXMLNode* node) {
        for (; node && local; node = node->psNext) {
            if (node->eType != CXT_Element)
                continue;
            const QString name = QString::fromUtf8(node->pszValue);
            if (name == QLatin1String("Cache"))
                local = false;
            if (name == QLatin1String("ServerUrl") || name == QLatin1String("ServerURL")) {
                anyUrl = true;
                local = QString::fromUtf8(CPLGetXMLValue(node, nullptr, ""))
                            .trimmed()
                            .startsWith(QLatin1String("file://"));
            }
            walk(node->psChild);
        }
    };
    walk(root);
    CPLDestroyXMLNode(root);
    return local && anyUrl;
}

QString check(const QString& path, const QString& shown, int depth, bool allowed) {
    if (depth > 8)
        return QObject::tr("%1 names sources more than 8 levels deep").arg(shown);
    if (namesServer(path))
        return allowed ? QString()
                       : networkOff(depth == 0 ? QObject::tr("%1 is on a server").arg(shown)
                                               : QObject::tr("%1 reads from a server (%2)").arg(shown, path));
    if (!path.startsWith(QLatin1String("/vsi"))) {
        struct stat info {};
        if (::stat(QFile::encodeName(path).constData(), &info) == 0 && !S_ISREG(info.st_mode) &&
            !S_ISDIR(info.st_mode))
            return QObject::tr("%1 is not a regular file (a pipe, socket or device); segstudio reads files")
                .arg(depth == 0 ? shown : path);
    }
    QuietGdalErrors quiet;
    GDALDriverH driver = GDALIdentifyDriverEx(path.toUtf8().constData(), GDAL_OF_RASTER, nullptr, nullptr);
    if (!driver)
        return {}; // nothing GDAL would open: the opener reports it
    const QString name = QString::fromUtf8(GDALGetDriverShortName(driver));
    if (!localDrivers().contains(name) && !allowed &&
        !(name == QLatin1String("WMS") && isLocalTileService(path)))
        return networkOff(
            QObject::tr("%1 is a %2 file, a format that can read from servers or write a "
                        "cache elsewhere")
                .arg(depth == 0 ? shown : path, QString::fromUtf8(GDALGetDriverLongName(driver))));
    if (name == QLatin1String("VRT"))
        return checkVrtSources(path, shown, depth, allowed); // a pipe among its sources matters too
    return {};
}

} // namespace

void setNetworkAllowed(bool allowed) {
    g_networkAllowed = allowed;
}

bool networkAllowed() {
    return g_networkAllowed.load();
}

QString problemWith(const QString& path) {
    const QString shown = QFileInfo(path).fileName().isEmpty() ? path : QFileInfo(path).fileName();
    return check(path, shown, 0, g_networkAllowed.load());
}

bool readsNetwork(const QString& path) {
    // Refused without the network and fine with it: the difference is the network.
    return !check(path, path, 0, false).isEmpty() && check(path, path, 0, true).isEmpty();
}

} // namespace segstudio::SourcePolicy
