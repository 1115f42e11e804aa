// @peculiar/x509 2.x needs a Reflect polyfill before its first import.
import "reflect-metadata";
