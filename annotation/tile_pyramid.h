#pragma once

#include <QRect>
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

    // Finds the pyramid in `folder`; false (and *error when it looks like one but is not usable)
    // for a folder that holds no tiles.
    static bool find(const QString& folder, TilePyramid& pyramid, QString* error);
    // What GDAL opens: a VRT window (over the tiles present) on a GDAL_WMS description of the
    // folder's file:// tiles. No cache, no network.
    QString gdalConnection() const;
};

} // namespace segstudio
