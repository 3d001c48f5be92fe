#include "soap.h"
