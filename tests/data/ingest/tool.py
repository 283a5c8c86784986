import sys


def main():
    print("hi")


if __name__ == "__main__":
    sys.exit(main())
