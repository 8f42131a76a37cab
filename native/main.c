/* The osp executable. */
#include "cli.h"

int main(int argc, char **argv)
{
    return osp_cli_main(argc, argv);
}
