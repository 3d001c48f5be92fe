#include "far.h"
