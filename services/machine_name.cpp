#include "machine_name.h"

#include <QSysInfo>

namespace semsearch::services {

QString thisMachineName() {
    const QString set = qEnvironmentVariable("SEMSEARCH_MACHINE");
    return set.isEmpty() ? QSysInfo::machineHostName() : set;
}

bool isAnotherMachine(const QString& machine) {
    return !machine.isEmpty() && machine != thisMachineName();
}

} // namespace semsearch::services
