#include <cstdio>

// Greets the world.
int greet(const char* name) {
    std::printf("hello, %s\n", name);
    return 0;
}

int main() {
	return greet("world");
}
