#!/usr/bin/env python3
"""Prints the coefficients of PolygammaVector's ln Γ, ψ, ψ₁ and ψ₂ remainders (UncertaintyLoss/Internal/Fused/
PolygammaVector.cs: LgammaRemainder, DigammaRemainder, TrigammaRemainder, TetragammaRemainder) and their worst errors.

After the recurrence shift every argument is z >= 9, so v = 1/z² lies in [0, 1/81]. There the remainders of the
asymptotic expansions after their leading terms,

    L(v) = (ln Γ(z) − (z − ½) ln z + z − ½ ln 2π)·z      (1/12 at v = 0; DLMF 5.11.1)
    D(v) = (ln z − 1/(2z) − ψ(z))·z²                     (1/12 at v = 0; DLMF 5.11.2)
    T(v) = (ψ₁(z) − 1/z − 1/(2z²))·z³                    (1/6 at v = 0; its derivative term by term)
    Q(v) = (−ψ₂(z) − 1/z² − 1/z³)·z⁴                      (1/2 at v = 0; T's derivative term by term)

are smooth functions of v, and a polynomial fitted on [0, 1/81] needs fewer terms than the asymptotic (Bernoulli)
series, whose coefficients grow: five, five, six and six instead of eight each (issue 18, twelfth session). The fit is
mpmath's chebyfit (Chebyshev interpolation, within a small factor of the minimax error) at 60 digits, against mpmath's
loggamma, digamma, psi(1, ·) and psi(2, ·); each coefficient is rounded once to double, and the worst error is that of the rounded
polynomial, evaluated exactly, on 4001 points of [0, 1/81]. Usage:

    /usr/bin/python3 UncertaintyLoss.Tests/Data/generate_stirling_remainders.py   (Debian's python3-mpmath; about 5 s)
"""
import mpmath as mp

mp.mp.dps = 60
H = mp.mpf(1) / 81   # v = 1/z² for z >= 9 (PolygammaVector.Threshold)


def remainder_lgamma(v):
    if v == 0:
        return mp.mpf(1) / 12
    z = 1 / mp.sqrt(v)
    return (mp.loggamma(z) - (z - mp.mpf(1) / 2) * mp.log(z) + z - mp.log(2 * mp.pi) / 2) * z


def remainder_digamma(v):
    if v == 0:
        return mp.mpf(1) / 12
    z = 1 / mp.sqrt(v)
    return (mp.log(z) - 1 / (2 * z) - mp.digamma(z)) * z * z


def remainder_trigamma(v):
    if v == 0:
        return mp.mpf(1) / 6
    z = 1 / mp.sqrt(v)
    return (mp.psi(1, z) - 1 / z - 1 / (2 * z * z)) * z ** 3


def remainder_tetragamma(v):
    if v == 0:
        return mp.mpf(1) / 2
    z = 1 / mp.sqrt(v)
    return (-mp.psi(2, z) - 1 / z ** 2 - 1 / z ** 3) * z ** 4


for name, f, terms in (('LgammaRemainder', remainder_lgamma, 5),
                       ('DigammaRemainder', remainder_digamma, 5),
                       ('TrigammaRemainder', remainder_trigamma, 6),
                       ('TetragammaRemainder', remainder_tetragamma, 6)):
    poly, _ = mp.chebyfit(f, [0, H], terms, error=True)
    coefficients = [float(c) for c in reversed(poly)]   # c0, c1, … (mpmath gives the highest power first)
    worst = max(abs(mp.fsum(mp.mpf(c) * v ** k for k, c in enumerate(coefficients)) - f(v))
                for v in (H * i / 4000 for i in range(4001)))
    print(f'{name}: worst absolute error {mp.nstr(worst, 3)} on [0, 1/81]')
    print('    ' + ', '.join(repr(c) for c in coefficients))
