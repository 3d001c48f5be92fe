#include "idnum.h"
