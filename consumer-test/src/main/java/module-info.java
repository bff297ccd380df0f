/** An application that uses reflink4j from the module path. */
module io.github.reflink4j.consumertest {
    requires io.github.reflink4j;
}
