// No zeroing of locals in the assembly's methods (C# emits `.locals init` by default). The fused kernels keep vectors and
// structs of vectors (EvidentialKernel's Setup, the product accumulators, spilled vectors) in large stack frames, and the
// JIT zeroed each frame in the prologue, once per row of the row kernels: 1,872 bytes in sixteen-byte stores for
// EvidentialKernel.Row with AVX-512, about 40 ns of a 250-class row's 210 ns without the KL (issue 18, twelfth session;
// docs/performance.md). Every local is assigned before it is read (the compiler checks it), and the one stackalloc
// (MaxNormKernel.Root) writes every element before it reads any.
[module: System.Runtime.CompilerServices.SkipLocalsInit]
