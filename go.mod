module goredis

go 1.24
