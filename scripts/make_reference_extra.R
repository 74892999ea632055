# Zusätzliche Referenzausgaben von R `surveillance` (getestet mit 1.20.3, Debian
# r-cran-surveillance) für die Alarmverfahren in lagebild/analytics.
#
# Aufruf (im Repo-Wurzelverzeichnis):
#   Rscript scripts/make_reference_extra.R
# Schreibt tests/data/reference_extra/<reihe>.csv mit den Spalten
#   t, date, observed, <konfig>__upperbound, <konfig>__alarm [, <konfig>__expected]
# Zeilen außerhalb des ausgewerteten Bereichs sind NA. Die Konfigurationen stehen unten in
# `ears_configs` / `farrington_configs`; tests/test_alerts_reference.py bildet sie nach.

suppressPackageStartupMessages(library(surveillance))
stopifnot(packageVersion("surveillance") >= "1.20.3")
out_dir <- file.path("tests", "data", "reference_extra")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

# ----------------------------------------------------------------------- Reihen
set.seed(20240229)
mondays <- function(from, n) seq(as.Date(from), by = "1 week", length.out = n)

series <- list()

# 1. Meist 0/1, kleiner Ausbruch
n <- 260
y <- rpois(n, 0.35); y[200:202] <- c(2L, 3L, 2L)
series$sparse <- list(y = y, dates = mondays("2019-01-07", n))

# 2. Lange Nullserien: Wochen 10-30 jedes Jahres null (auch alle Farrington-Fenster),
#    dazu ein langer Nullblock im 5. Jahr und Spitzen in der Nullsaison.
n <- 300
y <- rpois(n, 1.5)
week <- (seq_len(n) - 1) %% 52
y[week >= 10 & week <= 30] <- 0L
y[215:250] <- 0L
y[c(170, 171, 275)] <- c(1L, 4L, 3L)
series$zeroruns <- list(y = y, dates = mondays("2017-01-02", n))

# 3. Ohne Datum (epochAsDate = FALSE, 52-Wochen-Abstände), Trend und Saison
n <- 330
tt <- seq_len(n)
y <- rpois(n, exp(1.2 + 0.003 * tt + 0.4 * sin(2 * pi * tt / 52)))
y[300:303] <- y[300:303] + 8L
series$undated <- list(y = y, dates = NULL)

# 4. Donnerstage: 2024-02-29 liegt im Index, 3 Jahre zurück gibt R den 2021-03-04
n <- 313
dates <- seq(as.Date("2019-01-03"), by = "1 week", length.out = n)
tt <- seq_len(n)
y <- rpois(n, 3 + 1.5 * cos(2 * pi * tt / 52))
y[which(dates == as.Date("2024-02-29")) + 0:1] <- c(12L, 10L)
series$feb29 <- list(y = y, dates = dates)

# 5. NA an verschiedenen Stellen (im Fenster, ältester Fensterpunkt, aktuelle Woche)
n <- 280
y <- rpois(n, 4)
y[260:262] <- y[260:262] + 9L
y[c(20, 21, 60, 100, 101, 102, 190, 230, 250, 263)] <- NA
series$withna <- list(y = y, dates = mondays("2018-01-01", n))

# 6. Fast nur Nullen: alle Fenster null; beim Noufaily-GLM (> 100 Nullwochen) konvergiert
#    IRLS nicht in 25 Iterationen → Paket liefert NA
n <- 240
y <- integer(n); y[5] <- 1L; y[c(200, 230, 231)] <- c(1L, 2L, 3L)
series$allzero <- list(y = y, dates = mondays("2018-01-01", n))

# ----------------------------------------------------------------------- Konfigurationen
ears_configs <- list(
  ears_C1 = list(method = "C1", alpha = 0.001),
  ears_C2 = list(method = "C2", alpha = 0.001),
  ears_C3 = list(method = "C3", alpha = 0.001),
  ears_C3_alphaNULL = list(method = "C3"),
  ears_C1_ms05 = list(method = "C1", alpha = 0.001, minSigma = 0.5),
  ears_C2_ms05 = list(method = "C2", alpha = 0.001, minSigma = 0.5),
  ears_C3_ms05 = list(method = "C3", alpha = 0.001, minSigma = 0.5),
  ears_C2_b3 = list(method = "C2", alpha = 0.05, baseline = 3)
)
far_base <- list(b = 3, w = 3, reweight = TRUE, weightsThreshold = 2.58, alpha = 0.05,
                 trend = TRUE, pThresholdTrend = 0.05, limit54 = c(5, 4), powertrans = "2/3",
                 noPeriods = 1, pastWeeksNotIncluded = 3, thresholdMethod = "delta",
                 glmWarnings = FALSE)
nou_base <- modifyList(far_base, list(noPeriods = 10, pastWeeksNotIncluded = 26,
                                      pThresholdTrend = 1, thresholdMethod = "nbPlugin"))
farrington_configs <- list(
  far = far_base,
  far_l0 = modifyList(far_base, list(limit54 = c(0, 4))),
  far_b2 = modifyList(far_base, list(b = 2, w = 2, alpha = 0.01, reweight = FALSE,
                                     limit54 = c(0, 4))),
  nou = nou_base,
  nou_l0 = modifyList(nou_base, list(limit54 = c(0, 4)))
)

# ----------------------------------------------------------------------- Rechnen
make_sts <- function(s) {
  if (is.null(s$dates)) {
    sts(observed = matrix(s$y), start = c(2018, 1), frequency = 52)
  } else {
    sts(observed = matrix(s$y), epoch = s$dates, frequency = 52)
  }
}

# Erste Woche, deren b = 3 Referenzfenster (w = 3) vollständig in der Reihe liegen.
first_full <- function(s, b = 3, w = 3) {
  n <- length(s$y)
  if (is.null(s$dates)) return(52 * b + w + 1)
  for (k in seq_len(n)) {
    refs <- seq(s$dates[k], length.out = b + 1, by = "-1 year")[-1]
    ok <- TRUE
    for (r in as.list(refs)) {
      # nächster gleicher Wochentag: Position im Index ist die gerundete Wochendifferenz
      pos <- round(as.numeric(r - s$dates[1]) / 7) + 1
      if (pos - w < 1) ok <- FALSE
    }
    if (ok) return(k)
  }
  NA
}

pad <- function(n, range, values) {
  out <- rep(NA, n); out[range] <- values; out
}

for (name in names(series)) {
  s <- series[[name]]
  n <- length(s$y)
  res <- data.frame(t = seq_len(n),
                    date = if (is.null(s$dates)) NA else format(s$dates),
                    observed = s$y)
  for (cfg in names(ears_configs)) {
    fit <- earsC(make_sts(s), control = ears_configs[[cfg]])
    rng <- (n - nrow(fit@observed) + 1):n
    res[[paste0(cfg, "__upperbound")]] <- pad(n, rng, as.vector(fit@upperbound))
    res[[paste0(cfg, "__alarm")]] <- pad(n, rng, as.vector(fit@alarm))
  }
  start <- first_full(s)
  for (cfg in names(farrington_configs)) {
    control <- modifyList(farrington_configs[[cfg]], list(range = start:n))
    fit <- suppressWarnings(farringtonFlexible(make_sts(s), control = control))
    res[[paste0(cfg, "__upperbound")]] <- pad(n, start:n, as.vector(fit@upperbound))
    res[[paste0(cfg, "__alarm")]] <- pad(n, start:n, as.vector(fit@alarm))
    res[[paste0(cfg, "__expected")]] <- pad(n, start:n, as.vector(fit@control$expected))
  }
  write.csv(res, file.path(out_dir, paste0(name, ".csv")), row.names = FALSE, na = "NA")
  cat(name, ": ", n, " Wochen, Farrington ab t = ", start, "\n", sep = "")
}
writeLines(paste("surveillance", packageVersion("surveillance"), "/", R.version.string),
           file.path(out_dir, "VERSION.txt"))
