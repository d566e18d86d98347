"""The names, reasons and chances the candidate plan draws from (pure data)."""

from __future__ import annotations

from examens.models import Accommodation, Decision

# origin weight, chance of being an asylum migrant, female names, male names, family names
ORIGINS = [
    (
        10,
        0.85,
        ["Rasha", "Lina", "Hiba", "Nour", "Ranim", "Dima"],
        ["Ahmad", "Omar", "Khaled", "Yousef", "Bashar", "Mahmoud"],
        ["Al-Hassan", "Haddad", "Kassab", "Al-Khatib", "Darwish", "Sabbagh", "Hamoud"],
    ),
    (
        7,
        0.95,
        ["Senait", "Helen", "Yohana", "Selam", "Lidya"],
        ["Tesfaye", "Yonas", "Dawit", "Filmon", "Robel"],
        ["Tekle", "Ghebremedhin", "Haile", "Woldu", "Berhane", "Kidane"],
    ),
    (
        6,
        0.9,
        ["Mariam", "Zahra", "Farzana", "Shabnam", "Nilofar"],
        ["Ahmad Shah", "Mohammad", "Farid", "Jawad", "Hamid"],
        ["Ahmadzai", "Rahimi", "Hakimi", "Noorzai", "Sultani", "Karimi"],
    ),
    (
        5,
        0.9,
        ["Hodan", "Fadumo", "Sahra", "Ayaan", "Ifrah"],
        ["Abdi", "Mahad", "Abdirahman", "Liban", "Ahmed"],
        ["Warsame", "Farah", "Mohamud", "Jama", "Osman", "Abdullahi"],
    ),
    (
        5,
        0.85,
        ["Shirin", "Maryam", "Parisa", "Leila", "Niloufar"],
        ["Reza", "Arash", "Behnam", "Kaveh", "Mehdi"],
        ["Hosseini", "Rezaei", "Moradi", "Ahmadi", "Jafari", "Karimi"],
    ),
    (
        3,
        0.8,
        ["Zainab", "Noor", "Ban", "Hawra"],
        ["Ali", "Haider", "Mustafa", "Hussein"],
        ["Al-Jubouri", "Al-Saadi", "Kareem", "Abbas", "Hamid"],
    ),
    (
        3,
        0.9,
        ["Amal", "Samah", "Fatima"],
        ["Mohammed", "Saleh", "Abdullah"],
        ["Al-Yemeni", "Ba-Wazir", "Al-Ahdal", "Saeed"],
    ),
    (
        3,
        0.85,
        ["Aziza", "Hanan", "Amira"],
        ["Mohamed", "Osman", "Hassan"],
        ["Ibrahim", "Abdelrahman", "Adam", "Idris"],
    ),
    (
        8,
        0.25,
        ["Elif", "Zeynep", "Merve", "Fatma", "Büşra", "Esra"],
        ["Mehmet", "Mustafa", "Emre", "Burak", "Hüseyin", "Ahmet"],
        ["Yılmaz", "Kaya", "Demir", "Çelik", "Şahin", "Öztürk", "Aydın"],
    ),
    (
        11,
        0.02,
        ["Fatima", "Khadija", "Samira", "Nadia", "Houda", "Imane"],
        ["Youssef", "Mohamed", "Said", "Rachid", "Hamza", "Karim"],
        ["El Idrissi", "Benali", "Amrani", "Bouzid", "El Ouali", "Tahiri", "Azzouzi"],
    ),
    (
        6,
        0.0,
        ["Priya", "Ananya", "Deepika", "Kavya"],
        ["Arjun", "Rahul", "Vikram", "Sanjay"],
        ["Sharma", "Patel", "Reddy", "Nair", "Iyer", "Gupta"],
    ),
    (
        4,
        0.0,
        ["Maria Cristina", "Angelica", "Joy", "Rowena"],
        ["Jose", "Mark Anthony", "Rommel", "Jerome"],
        ["Santos", "Reyes", "Dela Cruz", "Bautista", "Garcia"],
    ),
    (
        4,
        0.0,
        ["Siriporn", "Nattaya", "Kanya", "Ploy"],
        ["Somchai", "Anan", "Kittisak"],
        ["Srisuk", "Chaiyaporn", "Wongsa", "Saetang"],
    ),
    (
        4,
        0.0,
        ["Ana Paula", "Juliana", "Camila", "Fernanda"],
        ["João", "Lucas", "Rafael", "Thiago"],
        ["Silva", "Oliveira", "Souza", "Pereira", "Costa"],
    ),
    (
        4,
        0.0,
        ["Xiu Ying", "Mei", "Li Na", "Yan"],
        ["Wei", "Jun", "Hao", "Lei"],
        ["Wang", "Li", "Zhang", "Chen", "Liu"],
    ),
    (
        3,
        0.0,
        ["Olga", "Natalia", "Svetlana", "Anastasia"],
        ["Dmitri", "Sergei", "Alexei", "Andrei"],
        ["Ivanova", "Smirnov", "Kuznetsova", "Popov", "Volkov"],
    ),
    (
        3,
        0.0,
        ["Akosua", "Abena", "Efua"],
        ["Kwame", "Kofi", "Yaw"],
        ["Mensah", "Asante", "Owusu", "Boateng"],
    ),
    (
        3,
        0.0,
        ["Valentina", "Daniela", "Paola"],
        ["Andrés", "Santiago", "Carlos"],
        ["Rodríguez", "Gómez", "Martínez", "Hernández"],
    ),
    (
        3,
        0.05,
        ["Nour", "Yasmin", "Mona"],
        ["Ahmed", "Mahmoud", "Karim"],
        ["Mostafa", "Abdel Aziz", "Farouk", "Soliman"],
    ),
]

LANGUAGE_COMPONENTS = ["LEZ", "LUI", "SCH", "SPR"]
EXAMINED_CENTRALLY = [*LANGUAGE_COMPONENTS, "KNM"]
COMPONENT_NAMES_NL = {
    "LEZ": "Lezen",
    "LUI": "Luisteren",
    "SCH": "Schrijven",
    "SPR": "Spreken",
    "KNM": "Kennis Nederlandse Maatschappij",
}

# Chances per candidate, tuned for about 10/5/10/8/10 decisions in 300 candidates.
P_MEDICAL = 0.036
P_DIPLOMA = 0.03
P_STEP_DOWN = 0.06  # of the B1-route candidates whose term started before autumn 2025
P_EXTENSION = 0.07  # of the candidates whose term ends before 2027
P_ACCOMMODATION = 0.045

ACCOMMODATIONS = [
    # needs, extra minutes, reason
    ([Accommodation.EXTENDED_TIME], 30, "Dyslexieverklaring: verlengde examentijd."),
    (
        [Accommodation.LARGE_SCREEN, Accommodation.SEPARATE_ROOM],
        None,
        "Slechtziend; groot beeldscherm en aparte ruimte volgens oogartsverklaring.",
    ),
    (
        [Accommodation.EXTENDED_TIME, Accommodation.INTERRUPTED_SITTING],
        20,
        "Concentratieproblemen (PTSS); pauze tijdens het examen toegestaan.",
    ),
    ([Accommodation.STEP_FREE], None, "Rolstoelgebruiker: drempelvrije examenruimte nodig."),
    (
        [Accommodation.HEARING_LOOP, Accommodation.SEPARATE_ROOM],
        None,
        "Slechthorend; ringleiding en aparte ruimte.",
    ),
    (
        [Accommodation.LARGE_PRINT, Accommodation.EXTENDED_TIME],
        15,
        "Verminderd gezichtsvermogen: vergrote opgaven en extra tijd.",
    ),
]
MEDICAL_REASONS = [
    "Advies sociaal-medische beoordeling: blijvende medische beperking.",
    "Medisch advies arts (SMA): examen {name} niet haalbaar.",
    "Chronische aandoening; de arts adviseert ontheffing voor {name}.",
    "Cognitieve beperking vastgesteld door onafhankelijk arts.",
]
DIPLOMA_REASONS = [
    "Certificaat Staatsexamen NT2 programma I, onderdeel {name}.",
    "Nederlandstalig diploma mbo niveau 2: vrijstelling {name}.",
    "Erkend buitenlands diploma met Nederlands als vak: vrijstelling {name}.",
]
EXTENSION_REASONS = {
    Decision.Ground.NOT_TO_BLAME: [
        "Langdurige ziekenhuisopname; niet verwijtbaar.",
        "Zorg voor ernstig ziek gezinslid; niet verwijtbaar.",
        "Geen examenplek beschikbaar binnen de termijn; niet verwijtbaar.",
    ],
    Decision.Ground.EFFORT: [
        "Aantoonbare inspanning: lessen gevolgd en meerdere examenpogingen gedaan.",
        "Voldoende inspanning: {hours} lesuren en alle examens geprobeerd.",
    ],
}
