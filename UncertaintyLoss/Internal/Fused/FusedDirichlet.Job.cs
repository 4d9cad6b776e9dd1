using System;
using System.Runtime.CompilerServices;
using System.Numerics;

namespace UncertaintyLoss.Internal.Fused;

internal static unsafe partial class FusedDirichlet
{
    /// <summary>The data and options of one fused pass; <see cref="Run"/> does the pass.</summary>
    private sealed class Job
    {
        private readonly void* evidence;
        private readonly bool isFloat;
        private readonly long* target;
        private readonly void* probabilities;   // a probability target, Float32 or Float64 (then target is null)
        private readonly bool probabilitiesAreFloat;
        private readonly long n;
        private readonly int c;
        private readonly long d;
        private readonly double[]? classWeight;
        private readonly long? ignored;
        private readonly FusedLoss loss;
        private readonly void* perPosition;
        private readonly void* gradient;
        private readonly double scale;
        private readonly int lanes;
        private readonly long tiles;
        private readonly long tilesPerSample;
        private readonly double klOffset;
        private readonly double softplusThreshold;
        private readonly bool wide;
        private readonly bool rowMajor;   // the row-major kernel (EvidentialKernel.Row), one row at a time
        private readonly long? outOfDistribution;       // the Prior Network loss's out-of-distribution class index
        private readonly double inDistributionConstant;  // its per-position constant in distribution (index targets)
        private readonly double outOfDistributionConstant;

        internal Job(void* evidence, bool isFloat, long* target, void* probabilities, bool probabilitiesAreFloat, long n, int c, long d, double[]? classWeight, long? ignored,
            FusedLoss loss, void* perPosition, void* gradient, double scale)
        {
            this.evidence = evidence;
            this.isFloat = isFloat;
            this.target = target;
            this.probabilities = probabilities;
            this.probabilitiesAreFloat = probabilitiesAreFloat;
            this.n = n;
            this.c = c;
            this.d = d;
            this.classWeight = classWeight;
            this.ignored = ignored;
            // Read here, on the calling thread: the kernels run on the team's threads, where the tests' scope is not visible.
            this.loss = loss.WithProductGroup(Kernels.UngroupedProductsForced ? 1 : loss.ProductGroupLimit);
            this.perPosition = perPosition;
            this.gradient = gradient;
            this.scale = scale;
            wide = Kernels.UseVector512;
            klOffset = loss.Kind switch
            {
                FusedLossKind.PosteriorNetwork => 0.0,   // −H[Dir(α)] has no constant
                FusedLossKind.PriorNetwork => 0.0,       // per position instead (Scratch.PositionConstant, or the kernel's)
                FusedLossKind.BeliefMatching => KlOffset(c, loss.KlConcentration, c),   // every class's ln Γ(α) is summed
                _ => KlOffset(c, loss.PriorWeight, probabilities is null ? c - 1 : c),
            };
            if (loss.Kind == FusedLossKind.PriorNetwork)
            {
                // KL(Dir(α) ‖ Dir(β)) = [the kernel's KL(Dir(α) ‖ Dir(1)) without its constant] + τ·risk − ln Γ(B) + Σ ln Γ(β_j):
                // with a class index, β = 1 + τ·onehot (B = C + τ) in distribution, β = 1 (B = C) out of distribution.
                outOfDistribution = loss.OutOfDistributionIndex;
                double tau = loss.TargetConcentration;
                inDistributionConstant = LnGamma(1.0 + tau) - LnGamma(c + tau);
                outOfDistributionConstant = -LnGamma(c);
            }

            rowMajor = d == 1 && probabilities is null && c >= RowMajorMinClasses
                && loss.Kind is not FusedLossKind.Fisher;
            softplusThreshold = isFloat ? ActivationKernel.SoftplusThresholdFloat32 : ActivationKernel.SoftplusThresholdFloat64;
            int maxLanes = Math.Max(VectorWidth, TileElements / c / VectorWidth * VectorWidth);
            if (d == 1)
            {
                lanes = Math.Min(RowTileLanes, maxLanes);
                tiles = (n + lanes - 1) / lanes;
                tilesPerSample = 0;
            }
            else
            {
                lanes = (int)Math.Min(Math.Min(SpatialTileLanes, maxLanes), (d + (VectorWidth - 1)) / VectorWidth * VectorWidth);
                tilesPerSample = (d + lanes - 1) / lanes;
                tiles = n * tilesPerSample;
            }
        }

        /// <summary>
        /// The evidential KL's constant ln Γ(Cλ) − m ln Γ(λ) for prior weight λ (<see cref="EvidentialKernel"/>), with
        /// m = <paramref name="priorTerms"/>: C − 1 for index targets (the kernel leaves the true class's ln Γ(λ) out of its
        /// sum), C for probability targets (every class's ln Γ(β) is summed). ln Γ(C) for EDL's λ = 1, where ln Γ(1) = 0 is
        /// left out rather than computed.
        /// </summary>
        private static double KlOffset(int c, double priorWeight, int priorTerms)
        {
            PolygammaVector.LgammaDigammaTrigamma(Vector.Create(c * priorWeight), false, out var lnGammaAll, out _, out _);
            PolygammaVector.LgammaDigammaTrigamma(Vector.Create(priorWeight), false, out var lnGamma, out _, out _);
            double lnGammaPrior = priorWeight == FusedLoss.EdlPriorWeight ? 0.0 : lnGamma[0];
            return lnGammaAll[0] - priorTerms * lnGammaPrior;
        }

        /// <summary>ln Γ(<paramref name="x"/>) for x ≥ 1, by the kernels' function (<see cref="PolygammaVector"/>).</summary>
        private static double LnGamma(double x)
        {
            PolygammaVector.LgammaDigammaTrigamma(Vector.Create(x), false, out var lnGamma, out _, out _);
            return lnGamma[0];
        }

        /// <summary>Whether the job runs the kernels' 512-bit copy (<see cref="Kernels.UseVector512"/> when it was made).</summary>
        internal bool UsesVector512 => wide;

        /// <summary>Whether the job runs the row-major kernel (<see cref="EvidentialKernel.Row"/>).</summary>
        internal bool IsRowMajor => rowMajor;

        /// <summary>How many vectors the evidential row kernel's KL loop groups between renormalisations
        /// (<see cref="FusedLoss.ProductGroup"/>); 1 where it does not run.</summary>
        internal int ProductGroup => rowMajor && loss.Kind != FusedLossKind.MaxNorm && loss.RegFactor > 0 ? loss.ProductGroup : 1;

        /// <summary>Runs every tile; returns Σ w·loss over the positions.</summary>
        internal double Run()
        {
            long tilesPerChunk = Math.Max(1, ChunkElements / ((long)c * lanes));
            int chunks = checked((int)((tiles + tilesPerChunk - 1) / tilesPerChunk));
            var sums = new double[chunks];
            void Chunk(int k)
            {
                bool withProbabilities = probabilities is not null;
                // Two more C·B buffers with a probability target: ψ(α) and ψ₁(α) for the cross-entropy risk, the classes'
                // gradient weights for the max-norm loss.
                bool crossEntropyRisk = loss.Kind is FusedLossKind.PosteriorNetwork or FusedLossKind.MaxNorm or FusedLossKind.BeliefMatching
                        or FusedLossKind.PriorNetwork
                    || (loss.Kind is FusedLossKind.Evidential or FusedLossKind.Red && loss.Risk == EvidentialRisk.CrossEntropy);
                var scratch = new Scratch(c, lanes, gradient is not null, loss.Activation != EvidenceActivation.None, loss.Kind == FusedLossKind.Fisher,
                    withProbabilities, withProbabilities && crossEntropyRisk, loss.Kind == FusedLossKind.PriorNetwork);
                try
                {
                    double sum = 0;
                    long end = Math.Min(tiles, (k + 1) * tilesPerChunk);
                    for (long tile = k * tilesPerChunk; tile < end; tile++)
                        sum += Tile(tile, scratch);
                    sums[k] = sum;
                }
                finally
                {
                    scratch.Return();
                }
            }

            ForEachChunk(chunks, Chunk);

            double total = 0;
            for (int k = 0; k < chunks; k++)
                total += sums[k];
            return total;
        }

        /// <summary>
        /// Copies the tile's <paramref name="count"/> positions of (N, C, D) data at <paramref name="source"/> (Float32 when
        /// <paramref name="isFloat"/>, else Float64) class-major into <paramref name="destination"/>: destination[j·lanes + b]. Rows (D = 1)
        /// are read contiguously, spatial tiles one class plane at a time. Padding lanes are left as they were.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
        private void LoadClassMajor(void* source, bool isFloat, double[] destination, long first, int count, long sample, long d0)
        {
            var e = destination;
            if (d == 1)
            {
                int b0 = 0;
                fixed (double* scratch = e)
                {
                    for (; b0 + Transpose.BlockSize <= count && Transpose.IsSupported; b0 += Transpose.BlockSize)
                    {
                        if (isFloat)
                            Transpose.RowsToColumns((float*)source + (first + b0) * c, c, scratch + b0, lanes);
                        else
                            Transpose.RowsToColumns((double*)source + (first + b0) * c, c, scratch + b0, lanes);
                    }

                    for (; b0 + Transpose.PairSize <= count && Transpose.PairsSupported; b0 += Transpose.PairSize)
                    {
                        if (isFloat)
                            Transpose.RowsToColumnsPair((float*)source + (first + b0) * c, c, scratch + b0, lanes);
                        else
                            Transpose.RowsToColumnsPair((double*)source + (first + b0) * c, c, scratch + b0, lanes);
                    }
                }

                for (int b = b0; b < count; b++)
                {
                    long rowStart = (first + b) * c;
                    if (isFloat)
                    {
                        float* row = (float*)source + rowStart;
                        for (int j = 0; j < c; j++)
                            e[j * lanes + b] = row[j];
                    }
                    else
                    {
                        double* row = (double*)source + rowStart;
                        for (int j = 0; j < c; j++)
                            e[j * lanes + b] = row[j];
                    }
                }
            }
            else
            {
                fixed (double* scratch = e)
                {
                    for (int j = 0; j < c; j++)
                    {
                        long planeStart = (sample * c + j) * d + d0;
                        if (isFloat)
                            Widen((float*)source + planeStart, scratch + j * lanes, count);
                        else
                            new ReadOnlySpan<double>((double*)source + planeStart, count).CopyTo(new Span<double>(scratch + j * lanes, count));
                    }
                }
            }
        }

        /// <summary>destination[b] = source[b] for b &lt; <paramref name="count"/>, Float32 to Float64, vectorised (exact).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Widen(float* source, double* destination, int count)
        {
            int b = 0;
            for (; b + Vector<float>.Count <= count; b += Vector<float>.Count)
            {
                Vector.Widen(Vector.Load(source + b), out var low, out var high);
                low.Store(destination + b);
                high.Store(destination + b + Vector<double>.Count);
            }

            for (; b < count; b++)
                destination[b] = source[b];
        }

        /// <summary>destination[b] = source[b]·factor[b] for b &lt; <paramref name="count"/>, rounded to Float32 once (as the
        /// scalar <c>(float)</c> conversion rounds), vectorised.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void ScaleNarrow(double* source, double* factor, float* destination, int count)
        {
            int b = 0;
            for (; b + Vector<float>.Count <= count; b += Vector<float>.Count)
            {
                var low = Vector.Load(source + b) * Vector.Load(factor + b);
                var high = Vector.Load(source + b + Vector<double>.Count) * Vector.Load(factor + b + Vector<double>.Count);
                Vector.Narrow(low, high).Store(destination + b);
            }

            for (; b < count; b++)
                destination[b] = (float)(source[b] * factor[b]);
        }

        /// <summary>destination[b] = source[b]·factor[b] for b &lt; <paramref name="count"/>, vectorised.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Scale(double* source, double* factor, double* destination, int count)
        {
            int b = 0;
            for (; b + Vector<double>.Count <= count; b += Vector<double>.Count)
                (Vector.Load(source + b) * Vector.Load(factor + b)).Store(destination + b);
            for (; b < count; b++)
                destination[b] = source[b] * factor[b];
        }

        /// <summary>
        /// The tile's <paramref name="count"/> rows of (N, C) input one at a time with the row-major kernel
        /// (<see cref="EvidentialKernel.Row"/>; the per-position values of the scratch are set): each row's evidence is
        /// computed into the scratch's first C doubles (Float32 logits with Exp straight from the input, otherwise from a
        /// copy of the row there), and its gradient is written by the kernel's gradient pass (Float32) or copied from the
        /// scratch times the row's factor (Float64); returns Σ w·loss.
        /// A row of weight 0 (an ignored position) is not computed: its loss and gradient are 0.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
        private double Rows(long first, int count, Scratch s)
        {
            var e = s.Evidence;
            var g = s.Gradient;
            int padded = (c + VectorWidth - 1) / VectorWidth * VectorWidth;
            bool singleExp = isFloat && loss.Activation == EvidenceActivation.Exp && loss.Clamp <= ActivationKernel.SingleLanesMaxClamp;
            double sum = 0;
            fixed (double* row = e)
            fixed (double* rowGradient = g)
            {
                for (int b = 0; b < count; b++)
                {
                    long rowStart = (first + b) * c;
                    double weight = s.Weight[b];
                    double weighted = 0;
                    if (weight == 0)
                    {
                        if (gradient is not null && isFloat)
                            new Span<float>((float*)gradient + rowStart, c).Clear();
                        else if (gradient is not null)
                            new Span<double>((double*)gradient + rowStart, c).Clear();
                    }
                    else
                    {
                        if (singleExp)
                        {
                            // Float32 logits and Exp: the activation reads them where they are (no widened copy).
                            var logits = new ReadOnlySpan<float>((float*)evidence + rowStart, c);
                            if (wide)
                                Wide.ActivationKernel.ExpFromSingle(logits, c, e, s.Derivative, padded, loss.Clamp);
                            else
                                ActivationKernel.ExpFromSingle(logits, c, e, s.Derivative, padded, loss.Clamp);
                        }
                        else
                        {
                            if (isFloat)
                                Widen((float*)evidence + rowStart, row, c);
                            else
                                new ReadOnlySpan<double>((double*)evidence + rowStart, c).CopyTo(new Span<double>(row, c));
                            for (int j = c; j < padded; j++)
                                row[j] = 0.0;   // read by the kernel's last vector, left out of its sums
                            if (loss.Activation != EvidenceActivation.None && wide)
                                Wide.ActivationKernel.Apply(e, s.Derivative, padded, loss.Activation, loss.Clamp, softplusThreshold, isFloat);
                            else if (loss.Activation != EvidenceActivation.None)
                                ActivationKernel.Apply(e, s.Derivative, padded, loss.Activation, loss.Clamp, softplusThreshold, isFloat);
                        }

                        double riskScale = s.RiskScale?[b] ?? 0.0;
                        double positionConstant = s.PositionConstant?[b] ?? 0.0;
                        // A Float32 gradient is written by the kernel's gradient pass (rounded once from the same doubles).
                        var output = gradient is not null && isFloat ? new Span<float>((float*)gradient + rowStart, c) : default;
                        double factor = weight * scale;
                        double value = (loss.Kind == FusedLossKind.MaxNorm, wide) switch
                        {
                            (true, true) => Wide.MaxNormKernel.Row(s, c, loss.RegFactor, loss.PNorm, loss.FisherAlphaSum, s.Target[b],
                                output, factor, isFloat),
                            (true, false) => MaxNormKernel.Row(s, c, loss.RegFactor, loss.PNorm, loss.FisherAlphaSum, s.Target[b],
                                output, factor, isFloat),
                            (false, true) => Wide.EvidentialKernel.Row(s, c, loss, klOffset, s.Target[b], riskScale, positionConstant,
                                output, factor),
                            (false, false) => EvidentialKernel.Row(s, c, loss, klOffset, s.Target[b], riskScale, positionConstant,
                                output, factor),
                        };
                        weighted = weight * value;
                        if (gradient is not null && !isFloat)
                            Scale(rowGradient, factor, (double*)gradient + rowStart, c);
                    }

                    sum += weighted;
                    if (perPosition is not null && isFloat)
                        ((float*)perPosition)[first + b] = (float)weighted;
                    else if (perPosition is not null)
                        ((double*)perPosition)[first + b] = weighted;
                }
            }

            return sum;
        }

        /// <summary>destination[j] = source[j]·factor for j &lt; <paramref name="count"/>, vectorised.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static void Scale(double* source, double factor, double* destination, int count)
        {
            var f = new Vector<double>(factor);
            int j = 0;
            for (; j + Vector<double>.Count <= count; j += Vector<double>.Count)
                (Vector.Load(source + j) * f).Store(destination + j);
            for (; j < count; j++)
                destination[j] = source[j] * factor;
        }

        /// <summary>Loads one tile, runs the loss kernel on it and stores its outputs; returns Σ w·loss.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
        private double Tile(long tile, Scratch s)
        {
            long first, sample = 0, d0 = 0;
            int count;
            if (d == 1)
            {
                first = tile * lanes;
                count = (int)Math.Min(lanes, n - first);
            }
            else
            {
                sample = tile / tilesPerSample;
                d0 = tile % tilesPerSample * lanes;
                first = sample * d + d0;
                count = (int)Math.Min(lanes, d - d0);
            }

            var e = s.Evidence;
            if (probabilities is not null)
            {
                for (int b = 0; b < lanes; b++)
                {
                    s.Target[b] = 0;
                    s.Weight[b] = b < count ? 1.0 : 0.0;
                }

                LoadClassMajor(probabilities, probabilitiesAreFloat, s.Probability!, first, count, sample, d0);
                var y = s.Probability!;
                for (int j = 0; j < c; j++)
                {
                    for (int b = count; b < lanes; b++)
                        y[j * lanes + b] = 0.0;
                }
            }

            for (int b = 0; b < lanes && probabilities is null; b++)
            {
                long cls = b < count ? target[first + b] : 0;
                bool keep = b < count && (ignored is null || cls != ignored.Value);
                // The Prior Network loss's out-of-distribution positions: weight 1, no risk, a valid class in the tile.
                bool outside = keep && cls == outOfDistribution;
                s.Target[b] = keep && !outside ? cls : 0;
                s.Weight[b] = keep ? (classWeight is null || outside ? 1.0 : classWeight[cls]) : 0.0;
                if (s.RiskScale is not null)
                {
                    s.RiskScale[b] = keep && !outside ? loss.TargetConcentration : 0.0;
                    s.PositionConstant![b] = outside ? outOfDistributionConstant : inDistributionConstant;
                }
            }

            if (rowMajor)
                return Rows(first, count, s);

            // Load (N, C, D) evidence class-major: e[j·lanes + b]. Ignored positions and padding lanes hold 0 (below).
            LoadClassMajor(evidence, isFloat, e, first, count, sample, d0);

            // The …WithLogits functions: the input is logits, and the evidence is computed here (padding lanes included, then cleared).
            var derivative = s.Derivative;
            if (loss.Activation != EvidenceActivation.None)
            {
                if (wide)
                    Wide.ActivationKernel.Apply(e, derivative, c * lanes, loss.Activation, loss.Clamp, softplusThreshold, isFloat);
                else
                    ActivationKernel.Apply(e, derivative, c * lanes, loss.Activation, loss.Clamp, softplusThreshold, isFloat);
            }

            // Padding lanes and ignored positions hold loss.Fill: 0 evidence, or a concentration of 1 (belief matching).
            double fill = loss.Fill;
            for (int j = 0; j < c; j++)
            {
                for (int b = count; b < lanes; b++)
                    e[j * lanes + b] = fill;
            }

            if (ignored is not null)
            {
                for (int b = 0; b < count; b++)
                {
                    if (s.Weight[b] == 0 && target[first + b] == ignored.Value)
                    {
                        for (int j = 0; j < c; j++)
                        {
                            e[j * lanes + b] = fill;
                            if (derivative is not null)
                                derivative[j * lanes + b] = 0.0;
                        }
                    }
                }
            }

            bool evidential = loss.Kind is not FusedLossKind.MaxNorm;
            if (probabilities is not null && !evidential && wide)
                Wide.MaxNormKernel.TileProbabilities(s, c, lanes, loss.RegFactor, loss.PNorm, loss.FisherAlphaSum);
            else if (probabilities is not null && !evidential)
                MaxNormKernel.TileProbabilities(s, c, lanes, loss.RegFactor, loss.PNorm, loss.FisherAlphaSum);
            else if (probabilities is not null && wide)
                Wide.EvidentialKernel.TileProbabilities(s, c, lanes, loss, klOffset);
            else if (probabilities is not null)
                EvidentialKernel.TileProbabilities(s, c, lanes, loss, klOffset);
            else if (evidential && wide)
                Wide.EvidentialKernel.Tile(s, c, lanes, loss, klOffset);
            else if (evidential)
                EvidentialKernel.Tile(s, c, lanes, loss, klOffset);
            else if (wide)
                Wide.MaxNormKernel.Tile(s, c, lanes, loss.RegFactor, loss.PNorm, loss.FisherAlphaSum);
            else
                MaxNormKernel.Tile(s, c, lanes, loss.RegFactor, loss.PNorm, loss.FisherAlphaSum);

            double sum = 0;
            for (int b = 0; b < count; b++)
            {
                double weighted = s.Weight[b] * s.Loss[b];
                sum += weighted;
                if (perPosition is not null)
                {
                    if (isFloat)
                        ((float*)perPosition)[first + b] = (float)weighted;
                    else
                        ((double*)perPosition)[first + b] = weighted;
                }
            }

            if (gradient is not null)
            {
                var g = s.Gradient!;
                // The chain rule through the activation; EvidentialKernel.Tile applies it in its gradient pass.
                bool chained = evidential && probabilities is null;
                if (derivative is not null && !chained && wide)
                    Wide.ActivationKernel.Chain(g, derivative, c * lanes);
                else if (derivative is not null && !chained)
                    ActivationKernel.Chain(g, derivative, c * lanes);
                for (int b = 0; b < count; b++)
                    s.Loss[b] = s.Weight[b] * scale;   // reuse: per-position gradient factor
                if (d == 1)
                {
                    int b0 = 0;
                    fixed (double* scratch = g)
                    fixed (double* factors = s.Loss)
                    {
                        for (; b0 + Transpose.BlockSize <= count && Transpose.IsSupported; b0 += Transpose.BlockSize)
                        {
                            if (isFloat)
                                Transpose.ColumnsToRows(scratch + b0, lanes, factors + b0, (float*)gradient + (first + b0) * c, c);
                            else
                                Transpose.ColumnsToRows(scratch + b0, lanes, factors + b0, (double*)gradient + (first + b0) * c, c);
                        }

                        for (; b0 + Transpose.PairSize <= count && Transpose.PairsSupported; b0 += Transpose.PairSize)
                        {
                            if (isFloat)
                                Transpose.ColumnsToRowsPair(scratch + b0, lanes, factors + b0, (float*)gradient + (first + b0) * c, c);
                            else
                                Transpose.ColumnsToRowsPair(scratch + b0, lanes, factors + b0, (double*)gradient + (first + b0) * c, c);
                        }
                    }

                    for (int b = b0; b < count; b++)
                    {
                        long rowStart = (first + b) * c;
                        double factor = s.Loss[b];
                        if (isFloat)
                        {
                            float* row = (float*)gradient + rowStart;
                            for (int j = 0; j < c; j++)
                                row[j] = (float)(g[j * lanes + b] * factor);
                        }
                        else
                        {
                            double* row = (double*)gradient + rowStart;
                            for (int j = 0; j < c; j++)
                                row[j] = g[j * lanes + b] * factor;
                        }
                    }
                }
                else
                {
                    fixed (double* scratch = g)
                    fixed (double* factors = s.Loss)
                    {
                        for (int j = 0; j < c; j++)
                        {
                            long planeStart = (sample * c + j) * d + d0;
                            if (isFloat)
                                ScaleNarrow(scratch + j * lanes, factors, (float*)gradient + planeStart, count);
                            else
                                Scale(scratch + j * lanes, factors, (double*)gradient + planeStart, count);
                        }
                    }
                }
            }

            return sum;
        }
    }
}
