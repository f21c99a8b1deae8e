#pragma once

#include <QRect>
#include <QRectF>
#include <QString>

namespace segstudio {

// A folder of map tiles (ZOOM/X/Y.png|jpg|webp, as XYZ services and gdal2tiles write them) opened
// as one raster where its tiles are: at the finest zoom present, over the rectangle of tiles it
// holds (not the whole world), in Web Mercator (EPSG:3857). gdal2tiles' TMS layout (a
// tilemapresource.xml beside the zoom folders; rows counted from the south) is told from XYZ.
struct TilePyramid {
    QString folder;
    int zoom = -1;
    QRect tiles;       // tile columns and rows present at `zoom` (XYZ rows, counted from the north)
    bool tms = false;  // files are stored with TMS rows
    QString extension; // "png", "jpg", ...
    int bands = 3;
    qint64 missingTiles = 0; // inside `tiles` at `zoom`, in a local folder
    QString firstMissing;    // the first of them, as its file would be named (ZOOM/X/Y.ext)

    QString url;         // a tile service's URL in GDAL's form (${z}/${x}/${y}); empty: `folder`
    QString cacheFolder; // where GDAL caches a service's tiles; empty: no cache
    QString attribution; // the credit the person gave for a service

    // Finds the pyramid in `folder`; false (and *error when it looks like one but is not usable)
    // for a folder that holds no tiles.
    static bool find(const QString& folder, TilePyramid& pyramid, QString* error);
    // Whether `folder` is laid out as a tile pyramid (gdal2tiles and the like): zoom folders
    // 0-30 and no other folders, images or project files beside them, and in the coarsest level
    // a column folder of tiles named by their row. Reads three folder listings, not the tiles;
    // for telling `segstudio DIR` of tiles from a folder of images.
    static bool looksLikeTileFolder(const QString& folder);
    // A URL template of an XYZ tile service with what to open of it in its fragment, which is
    // never sent: "https://host/{z}/{x}/{y}.png#zoom=17&area=W,S,E,N&attribution=TEXT" (the area
    // in degrees of longitude and latitude, WGS 84). Its tiles are cached under `cacheFolder`.
    static bool isServiceTemplate(const QString& text);
    static bool fromTemplate(const QString& spec, const QString& cacheFolder, TilePyramid& pyramid,
                             QString* error);
    // The template with the zoom, area and credit in its fragment (what the dialog and the command
    // line's --zoom/--area make).
    static QString serviceTemplate(const QString& url, int zoom, const QRectF& lonLatArea,
                                   const QString& attribution);
    // Why the folder cannot be predicted as it is: tiles missing inside its rectangle, without an
    // alpha band to say "no data" there (they would read as black imagery). Empty when fine: no
    // holes, or transparent PNGs (gdal2tiles leaves out tiles with nothing in them).
    QString holeProblem() const;
    // What GDAL opens: a VRT window (over the tiles present) on a GDAL_WMS description of the
    // folder's file:// tiles. No cache, no network.
    QString gdalConnection() const;
};

} // namespace segstudio
