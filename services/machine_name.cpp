#include "machine_name.h"

namespace semsearch::services {

bool isAnotherMachine(const QString& machine) {
    return !machine.isEmpty() && machine != thisMachineName();
}

} // namespace semsearch::services
