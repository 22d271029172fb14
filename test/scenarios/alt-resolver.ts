// Stock grpc-js honours a DNS server in a `dns://server/name` target only with this variable set
// before grpc-js loads; the side-by-side comparison needs it. Import this module first.
process.env.GRPC_NODE_USE_ALTERNATIVE_RESOLVER = 'true';
