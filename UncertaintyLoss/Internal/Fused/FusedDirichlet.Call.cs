using System;
using System.Runtime.CompilerServices;
using System.Threading;
using TorchSharp;
using static TorchSharp.torch;

namespace UncertaintyLoss.Internal.Fused;

internal static unsafe partial class FusedDirichlet
{
    /// <summary>One fused call: its validated inputs, and the computation.</summary>
    internal sealed class Call
    {
        private readonly Tensor evidence;
        private readonly Tensor indices;       // Int64, contiguous (the target itself when it already is); probabilities: Float32 or Float64, contiguous
        private bool probabilities;
        private readonly double[]? classWeight;
        private readonly double weightTotal;
        private readonly bool anyIgnored;
        private readonly long ignoreIndex;
        private readonly FusedLoss loss;

        private Call(Tensor evidence, Tensor target, Tensor indices, Tensor? weight, double[]? classWeight, double weightTotal,
            bool anyIgnored, long ignoreIndex, nn.Reduction reduction, FusedLoss loss)
        {
            this.evidence = evidence;
            Target = target;
            this.indices = indices;
            Weight = weight;
            this.classWeight = classWeight;
            this.weightTotal = weightTotal;
            this.anyIgnored = anyIgnored;
            this.ignoreIndex = ignoreIndex;
            Reduction = reduction;
            this.loss = loss;
        }

        /// <summary>
        /// Validates the values, as the composed path does and in its order: the evidence's range (a vectorised pass
        /// over the data: non-negative, at most <see cref="UL.MaxEvidence"/>; NaN passes), the class indices, the
        /// weights. Throws <see cref="ArgumentException"/> before any loss computation.
        /// </summary>
        internal static Call Prepare(Tensor evidence, Tensor target, Tensor? weight, long ignoreIndex, nn.Reduction reduction, FusedLoss loss)
        {
            if (loss.IsConcentration)
            {
                // A concentration, checked as the composed path checks it: only while the value checks are on (the kernel's
                // memory accesses do not depend on the values; out-of-range α gives whatever the math gives, as there).
                if (ValueChecks.Enabled)
                {
                    var (alphaMin, alphaMax) = ValueRange(evidence);
                    if (loss.Activation != EvidenceActivation.None)
                    {
                        // The input is logits: α's range is the activation's image of theirs (every activation is non-decreasing).
                        alphaMin = ActivationKernel.Scalar(alphaMin, loss.Activation, loss.Clamp, evidence.dtype);
                        alphaMax = ActivationKernel.Scalar(alphaMax, loss.Activation, loss.Clamp, evidence.dtype);
                    }

                    Check.AlphaRange(alphaMin, alphaMax, "alpha", UL.MaxEvidence, evidence.dtype);
                }
            }
            else
            {
                CheckEvidence(evidence, loss);
            }

            return PrepareTarget(evidence, target, weight, ignoreIndex, reduction, loss);
        }

        /// <summary>The evidence's range (of the logits under the activation), checked whatever <see cref="ValueChecks.Enabled"/>
        /// says: the kernels' constants assume evidence in [0, <see cref="UL.MaxEvidence"/>].</summary>
        private static void CheckEvidence(Tensor evidence, FusedLoss loss)
        {
            if (loss.Activation != EvidenceActivation.None)
            {
                // Every activation is non-decreasing, so the evidence of any logit (±∞ included; NaN passes the check either
                // way) lies between the images of −∞ and +∞. Where those pass the check, every input passes, and the scan
                // over the data is skipped: Exp with a clamp of at most ln(UL.MaxEvidence) ≈ 27.6, the default (issue 18,
                // eleventh session; the scan was about 4% of a 4096 × 1000 call).
                double lowest = ActivationKernel.Scalar(double.NegativeInfinity, loss.Activation, loss.Clamp, evidence.dtype);
                double highest = ActivationKernel.Scalar(double.PositiveInfinity, loss.Activation, loss.Clamp, evidence.dtype);
                if (Check.EvidenceRangeHolds(lowest, highest, UL.MaxEvidence))
                    return;
            }

            Interlocked.Increment(ref evidenceScans);
            var (min, max) = ValueRange(evidence);
            if (loss.Activation != EvidenceActivation.None)
            {
                // The input is logits: the evidence's range is the activation's image of theirs (every activation is non-decreasing).
                min = ActivationKernel.Scalar(min, loss.Activation, loss.Clamp, evidence.dtype);
                max = ActivationKernel.Scalar(max, loss.Activation, loss.Clamp, evidence.dtype);
            }

            Check.EvidenceRange(min, max, "evidence", UL.MaxEvidence, evidence.dtype);
        }

        /// <summary>The target's checks (class indices, or probabilities) and weights; the call.</summary>
        private static Call PrepareTarget(Tensor evidence, Tensor target, Tensor? weight, long ignoreIndex, nn.Reduction reduction, FusedLoss loss)
        {

            var shape = Check.Dims(evidence);
            long positions = shape[0];
            for (int i = 2; i < shape.Length; i++)
                positions *= shape[i];
            int classes = checked((int)shape[1]);
            if (target.is_floating_point())
            {
                // Probability target (weight and ignoreIndex were refused with it): the composed path's range check on the
                // caller's values, which the kernel then reads at their own precision (Float16 and BFloat16 as Float32: exact).
                var dense = target.dtype is ScalarType.Float32 or ScalarType.Float64 && target.is_contiguous()
                    ? target
                    : target.to(target.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32).contiguous();
                var (yMin, yMax) = ValueRange(dense);
                Check.ProbabilityRange(yMin, yMax, "target");
                return new Call(evidence, target, dense, weight, null, positions, false, ignoreIndex, reduction, loss) { probabilities = true };
            }

            var indices = target.dtype == ScalarType.Int64 && target.is_contiguous() ? target : target.to(ScalarType.Int64).contiguous();
            long? outOfDistribution = loss.OutOfDistributionIndex;
            var (minIndex, maxIndex, kept, outside) = TargetPass(indices, positions, ignoreIndex, outOfDistribution);
            bool anyIgnored = kept + outside < positions;
            if (anyIgnored)
            {
                // As the composed path reports it: ignored entries count as class 0 in the range.
                minIndex = Math.Min(minIndex, 0);
                maxIndex = Math.Max(maxIndex, 0);
            }

            if (outside > 0)
            {
                // As the composed Prior Network loss reports it: out-of-distribution entries count as class 0 (1 when 0 is
                // the ignore index) in the range.
                long substitute = ignoreIndex == 0 ? 1 : 0;
                minIndex = Math.Min(minIndex, substitute);
                maxIndex = Math.Max(maxIndex, substitute);
            }

            Check.ClassIndexRange(minIndex, maxIndex, classes, ignoreIndex, "target");
            double[]? classWeight = weight is null ? null : ReadWeights(weight);
            double total = classWeight is null ? kept + outside : WeightTotal(indices, positions, ignoreIndex, outOfDistribution, classWeight);
            return new Call(evidence, target, indices, weight, classWeight, total, anyIgnored, ignoreIndex, reduction, loss);
        }

        internal nn.Reduction Reduction { get; }

        /// <summary>The caller's target (saved for a recomputation through the composed path).</summary>
        internal Tensor Target { get; }

        /// <summary>The caller's class weights, if any.</summary>
        internal Tensor? Weight { get; }

        /// <summary>The same loss through the composed TorchSharp operations (differentiable to any order), on
        /// <paramref name="evidenceIn"/>, <paramref name="targetIn"/> and <paramref name="weightIn"/> (the saved inputs). With an
        /// activation, <paramref name="evidenceIn"/> is the logits, and the activation is composed too.</summary>
        internal Tensor Composed(Tensor evidenceIn, Tensor targetIn, Tensor? weightIn) => loss.Kind switch
        {
            FusedLossKind.Evidential => UL.EvidentialLossCore(evidenceIn, targetIn, loss.RegFactor, Reduction, weightIn, ignoreIndex, loss.Risk, loss.Activation, loss.Clamp),
            FusedLossKind.Fisher => UL.FisherEvidentialLossCore(evidenceIn, targetIn, loss.RegFactor, loss.FisherCoefficient, Reduction, weightIn, ignoreIndex, loss.Activation, loss.Clamp),
            FusedLossKind.PosteriorNetwork => UL.PosteriorNetworkLossCore(evidenceIn, targetIn, loss.RegFactor, Reduction, weightIn, ignoreIndex, loss.Activation, loss.Clamp),
            FusedLossKind.Red => UL.RedEvidentialLossCore(evidenceIn, targetIn, loss.RegFactor, loss.CorrectEvidenceWeight, Reduction, weightIn, ignoreIndex, loss.Risk, loss.Activation, loss.Clamp),
            FusedLossKind.BeliefMatching => UL.BeliefMatchingLossCore(evidenceIn, targetIn, loss.RegFactor, loss.KlConcentration, Reduction, weightIn, ignoreIndex, loss.Activation, loss.Clamp),
            FusedLossKind.PriorNetwork => UL.PriorNetworkLossCore(evidenceIn, targetIn, loss.TargetConcentration, Reduction, weightIn, ignoreIndex, loss.OutOfDistributionIndex!.Value, loss.Activation, loss.Clamp),
            FusedLossKind.Relaxed => UL.RelaxedEvidentialLossCore(evidenceIn, targetIn, loss.RegFactor, loss.PriorWeight, Reduction, weightIn, ignoreIndex, loss.Activation, loss.Clamp),
            _ => UL.MaxNormLossCore(evidenceIn, targetIn, loss.RegFactor, loss.PNorm, Reduction, weightIn, ignoreIndex, loss.FisherAlphaSum, loss.Activation, loss.Clamp),
        };

        /// <summary>Computes the reduced loss and, when <paramref name="gradient"/> is wanted (inside the autograd
        /// node), the gradient of the result's elements (scaled for the reduction and the weights) with respect to the
        /// evidence.</summary>
        internal Tensor Compute(out Tensor? gradient) => Compute(withGradient: true, out gradient);

        /// <summary>Computes the reduced loss only.</summary>
        internal Tensor Compute() => Compute(withGradient: false, out _);

        private Tensor Compute(bool withGradient, out Tensor? gradient)
        {
            var shape = Check.Dims(evidence);
            long n = shape[0];
            int c = checked((int)shape[1]);
            long d = 1;
            for (int i = 2; i < shape.Length; i++)
                d *= shape[i];

            var positionShape = new long[shape.Length - 1];
            positionShape[0] = n;
            Array.Copy(shape, 2, positionShape, 1, shape.Length - 2);
            Tensor? perPosition = Reduction == nn.Reduction.None ? empty(positionShape, evidence.dtype) : null;
            gradient = withGradient ? empty(shape, evidence.dtype) : null;

            double scale = Reduction == nn.Reduction.Mean ? (weightTotal > 0 ? 1.0 / weightTotal : 0.0) : 1.0;
            var job = new Job(Pointer(evidence), evidence.dtype == ScalarType.Float32, probabilities ? null : (long*)Pointer(indices),
                probabilities ? Pointer(indices) : null, probabilities && indices.dtype == ScalarType.Float32, n, c, d,
                classWeight, anyIgnored ? ignoreIndex : (long?)null, loss,
                perPosition is null ? null : Pointer(perPosition), gradient is null ? null : Pointer(gradient), scale);
            Interlocked.Increment(ref jobsStarted);
            if (job.UsesVector512)
                Interlocked.Increment(ref wideJobsStarted);
            if (job.IsRowMajor)
                Interlocked.Increment(ref rowJobsStarted);
            if (job.ProductGroup == 4)
                Interlocked.Increment(ref fourFactorJobsStarted);
            else if (job.ProductGroup == 2)
                Interlocked.Increment(ref twoFactorJobsStarted);
            double total = job.Run();

            if (perPosition is not null)
                return perPosition;
            double value = Reduction == nn.Reduction.Mean ? total * scale : total;
            return torch.tensor(value, evidence.dtype);
        }

        private static double[] ReadWeights(Tensor weight)
        {
            using var w = weight.to(ScalarType.Float64).contiguous();
            var values = w.data<double>().ToArray();
            double min = double.PositiveInfinity, max = double.NegativeInfinity;
            foreach (var v in values)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                if (double.IsNaN(v))
                    min = double.NaN;
            }

            Check.WeightRange(min, max);
            return values;
        }

        /// <summary>The range of the class indices other than <paramref name="ignoreIndex"/> and <paramref name="outOfDistribution"/>,
        /// how many there are, and how many equal <paramref name="outOfDistribution"/> (the Prior Network loss's marker).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]   // numeric loops: skip tier-0 code
        private static (long Min, long Max, long Kept, long Outside) TargetPass(Tensor indices, long positions, long ignoreIndex, long? outOfDistribution)
        {
            var t = new ReadOnlySpan<long>(Pointer(indices), checked((int)positions));
            long min = long.MaxValue, max = long.MinValue;
            long kept = 0, outside = 0;
            bool withMarker = outOfDistribution.HasValue;
            long marker = outOfDistribution.GetValueOrDefault();
            foreach (var v in t)
            {
                if (v == ignoreIndex)
                    continue;
                if (withMarker && v == marker)
                {
                    outside++;
                    continue;
                }

                kept++;
                if (v < min) min = v;
                if (v > max) max = v;
            }

            return (min, max, kept, outside);
        }

        /// <summary>Σ w[target] over the kept positions, 1 for each out-of-distribution one (indices already validated).</summary>
        private static double WeightTotal(Tensor indices, long positions, long ignoreIndex, long? outOfDistribution, double[] classWeight)
        {
            var t = new ReadOnlySpan<long>(Pointer(indices), checked((int)positions));
            double total = 0;
            foreach (var v in t)
            {
                if (v == ignoreIndex)
                    continue;
                total += v == outOfDistribution ? 1.0 : classWeight[v];
            }

            return total;
        }
    }
}
