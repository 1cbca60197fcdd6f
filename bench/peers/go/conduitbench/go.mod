module conduitbench

go 1.19
