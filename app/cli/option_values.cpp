#include "app/cli/option_values.h"

#include "storage/atomic_file.h"

#include <QDir>
#include <QFileInfo>
#include <cmath>
#include <sys/stat.h>

namespace segstudio::cli {
namespace {

bool fail(QString* error, const QString& why) {
    *error = why;
    return false;
}

// Two names of one file: the same device and inode when both exist, else the same clean
// absolute path.
bool sameFile(const QString& a, const QString& b) {
    struct stat first {
    }, second{};
    if (::stat(QFile::encodeName(a).constData(), &first) == 0 &&
        ::stat(QFile::encodeName(b).constData(), &second) == 0)
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino;
    return QDir::cleanPath(QFileInfo(a).absoluteFilePath()) ==
           QDir::cleanPath(QFileInfo(b).absoluteFilePath());
}

} // namespace

bool intOption(const QCommandLineParser& parser, const QString& name, int min, int max, int& value,
               QString* error) {
    const QString text = parser.value(name).trimmed();
    bool ok = false;
    const qlonglong parsed = text.toLongLong(&ok);
    if (!ok || parsed < min || parsed > max)
        return fail(error, QStringLiteral("--%1 wants a whole number from %2 to %3, not “%4”")
                               .arg(name)
                               .arg(min)
                               .arg(max)
                               .arg(text));
    value = int(parsed);
    return true;
}

bool doubleOption(const QCommandLineParser& parser, const QString& name, double min, double max,
                  double& value, QString* error) {
    const QString text = parser.value(name).trimmed();
    bool ok = false;
    const double parsed = text.toDouble(&ok);
    if (!ok || !std::isfinite(parsed) || parsed < min || parsed > max)
        return fail(error, QStringLiteral("--%1 wants a number from %2 to %3, not “%4”")
                               .arg(name)
                               .arg(min)
                               .arg(max)
                               .arg(text));
    value = parsed;
    return true;
}

bool checkOutputs(const QList<OutputFile>& outputs, const QStringList& inputs, QString* error) {
    for (int i = 0; i < outputs.size(); ++i) {
        const OutputFile& output = outputs[i];
        std::string why;
        if (!storage::checkCanWrite(QFile::encodeName(output.path).toStdString(), &why))
            return fail(error, QStringLiteral("--%1: %2").arg(output.option, QString::fromStdString(why)));
        for (const QString& input : inputs)
            if (!input.isEmpty() && sameFile(output.path, input))
                return fail(error,
                            QStringLiteral("--%1 %2 is also an input of this command; writing it would "
                                           "destroy what is being read. Choose another name.")
                                .arg(output.option, output.path));
        for (int j = 0; j < i; ++j)
            if (sameFile(output.path, outputs[j].path))
                return fail(error, QStringLiteral("--%1 and --%2 name the same file (%3); give each its own")
                                       .arg(outputs[j].option, output.option, output.path));
    }
    return true;
}

} // namespace segstudio::cli
