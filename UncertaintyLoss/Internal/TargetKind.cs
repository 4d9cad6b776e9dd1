namespace UncertaintyLoss.Internal;

/// <summary>How a classification target encodes the true class.</summary>
internal enum TargetKind
{
    /// <summary>Integer class indices of shape (N, d1..dk).</summary>
    Index,

    /// <summary>Class probabilities of the evidence's shape (N, C, d1..dk).</summary>
    Probability,
}
