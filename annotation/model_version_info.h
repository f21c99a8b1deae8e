#pragma once

#include <QDateTime>
#include <QMetaType>
#include <QString>
#include <limits>

namespace segstudio {

// What the application knows of one model version (the network itself stays with the worker
// that runs it): the record the Model Versions dock shows and a project lists.
struct ModelVersionInfo {
    int id = 0;
    QString name;   // "default", a file name, or "learned 3"
    QString origin; // where it came from: a path, or the version it was trained from
    QDateTime created;
    qint64 correctedPixels = 0; // human-labelled pixels it learned from (0: not trained here)
    int steps = 0;
    double finalLoss = std::numeric_limits<double>::quiet_NaN();
    double heldOutMiou = -1; // mIoU on reviewed pixels held out from its training; -1: none
};

} // namespace segstudio

Q_DECLARE_METATYPE(segstudio::ModelVersionInfo)
