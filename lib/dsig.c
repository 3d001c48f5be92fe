#include "dsig.h"
