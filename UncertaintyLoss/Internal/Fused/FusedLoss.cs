namespace UncertaintyLoss.Internal.Fused;

/// <summary>Which loss a fused call computes, with its options.</summary>
internal sealed record FusedLoss(FusedLossKind Kind, double RegFactor, int PNorm, FisherAlphaSum FisherAlphaSum);
