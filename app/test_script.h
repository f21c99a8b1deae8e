#pragma once

#include <QObject>
#include <QStringList>

namespace segstudio {

class MainWindow;

// A tiny script of editing steps for end-to-end tests (the hidden --test-script option): it
// drives the real tools of a MainWindow once its document is ready, so a test can make the
// application edit, then kill it, and check what survives. Steps, separated by ';':
//   class ID | size DIAMETER | tool brush|eraser | stroke X,Y X,Y ... (image coordinates)
//   begin X,Y X,Y ... (a stroke left in progress, as if the button were still held)
//   sync (wait until the journal has written everything, then print "script: synced")
//   save (wait for the mask to be saved) | quit
// Every step is echoed to stdout as "script: STEP"; a failing step exits with status 3.
class TestScript : public QObject {
    Q_OBJECT
public:
    TestScript(MainWindow* window, const QString& script);

private:
    void runNext();
    bool runStep(const QString& step); // false: wait for a signal to continue
    void fail(const QString& why);

    MainWindow* m_window;
    QStringList m_steps;
    bool m_started = false;
};

} // namespace segstudio
